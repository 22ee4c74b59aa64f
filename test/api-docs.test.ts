/**
 * docs/api/ is TypeDoc's output from the public entry points (typedoc.config.mjs). One TypeDoc
 * run, into a scratch folder, checks both things at once: it must finish with no warning (its
 * validation treats an exported API naming a type the package does not export, or a broken
 * link, as a warning, and warnings as errors), and what it writes must be what is committed.
 * Comparing the output is the check that matters (stale API docs are what the docs issue was
 * about) and is robust: the pages carry no source links or line numbers, so only a change to
 * the public types or their comments changes them. It costs one TypeDoc run (~15 s of CPU).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, tempDir } from './helpers.js';

const committed = join(ROOT, 'docs', 'api');

describe('docs/api (TypeDoc)', { timeout: 300_000 }, () => {
  it('TypeDoc runs without a warning and writes what docs/api holds', () => {
    const out = tempDir('strata-api-docs-');
    const typedoc = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const run = spawnSync(process.execPath, [typedoc, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, `TypeDoc failed (fix the warnings; an exported API must name only exported types):\n${run.stdout}${run.stderr}`);
    const files = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).sort();
    assert.deepEqual(files(committed), files(out), 'docs/api has other pages than TypeDoc writes: run `npm run docs:api` and commit docs/api');
    for (const file of files(out)) {
      assert.ok(
        readFileSync(join(committed, file), 'utf8') === readFileSync(join(out, file), 'utf8'),
        `docs/api/${file} is stale: run \`npm run docs:api\` and commit docs/api`,
      );
    }
  });
});
