// `npm run strata` on a fresh clone: the package no longer builds on install (no `prepare`, so
// consumers get no install-time side effect), so the first run builds what the CLI runs from.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { binEntries } from './package-entries.mjs';

if (!binEntries().every((bin) => existsSync(bin.out))) {
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  process.exitCode = built.status ?? 1;
}
