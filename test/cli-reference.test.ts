/** docs/cli.md is what scripts/cli-reference.ts writes from the command table: never edited by hand, never stale. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS } from '../src/cli/command-table.js';
import { CLI_REFERENCE, cliReference } from '../scripts/cli-reference.js';

describe('docs/cli.md', () => {
  it('is current with src/cli/command-table.ts', () => {
    const expected = cliReference();
    const actual = existsSync(CLI_REFERENCE) ? readFileSync(CLI_REFERENCE, 'utf8') : '';
    assert.ok(actual === expected, 'docs/cli.md differs from the command table: run `npm run docs:cli` and commit docs/cli.md');
  });

  it('has a section for every command and every option', () => {
    const text = cliReference();
    for (const [name, spec] of Object.entries(COMMANDS)) {
      assert.match(text, new RegExp(`^## ${name}$`, 'm'));
      for (const option of Object.keys(spec.options)) assert.ok(text.includes(`\`--${option}`), `--${option} of ${name}`);
    }
  });
});
