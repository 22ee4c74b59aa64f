/**
 * While a fleet is discovered and journalled, the calling thread's new space stays at its size
 * (src/fleet/young-space.ts): survivors that pile up inside the window do not grow it, the same
 * churn after the window does (V8's growth factor is back), and a process started with its own
 * factor is left to it. Each case runs in a fresh process, whose new space starts small.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const MODULE = fileURLToPath(new URL('../src/fleet/young-space.ts', import.meta.url));

const SCRIPT = `
import { getHeapSpaceStatistics } from 'node:v8';
import { withoutYoungGrowth } from ${JSON.stringify(MODULE)};
const newSpaceMb = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;
let window = [];
function churn() {
  for (let round = 0; round < 400; round++) {
    const batch = [];
    for (let i = 0; i < 5000; i++) batch.push({ i, text: 'row ' + i });
    window.push(batch);
    if (window.length > 20) window.shift();
  }
}
const inside = await withoutYoungGrowth(async () => { churn(); return newSpaceMb(); });
churn();
console.log(JSON.stringify({ inside, after: newSpaceMb() }));
`;

function run(nodeArgs: string[]): { inside: number; after: number } {
  const out = execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '');
}

describe('the fleet runner young generation', () => {
  it('does not grow inside the window, and grows again after it', () => {
    const { inside, after } = run([]);
    assert.ok(inside <= 4, `new space ${inside} MB inside the window`);
    assert.ok(after > inside, `after the window the same churn grows it (${after} MB): the factor is restored`);
  });

  it('leaves a growth factor the process was started with', () => {
    const { inside } = run(['--semi-space-growth-factor=2']);
    assert.ok(inside > 4, `new space ${inside} MB: the process's own factor applied inside the window`);
  });
});
