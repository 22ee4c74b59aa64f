/**
 * The README's API examples are real files (examples/api/*.ts): each must appear verbatim in the
 * README, run, and print what its `// comments` say it prints.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dir = join(ROOT, 'examples', 'api');

describe('README examples', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    it(file, () => {
      const source = readFileSync(join(dir, file), 'utf8');
      assert.ok(readme.includes(source.trim()), `README.md must embed examples/api/${file} verbatim`);
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const printed = run.stdout.split('\n');
      let from = 0;
      for (const [, expected] of source.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)) {
        const at = printed.indexOf(expected!, from);
        assert.notEqual(at, -1, `expected the line ${JSON.stringify(expected)} in:\n${run.stdout}`);
        from = at + 1;
      }
    });
  }
});
