/**
 * Strata's own version, read from its package.json at run time. The CLI runs from a bundle
 * (dist/cli/main.cjs), from source (src/cli/main.ts) or from node_modules, so the file is found by
 * walking up from the running module to the first package.json that declares the `strata` bin,
 * never by a fixed relative path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, StrataError } from 'strata-migrate';

export function packageVersion(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; bin?: unknown };
      const bins = manifest.bin && typeof manifest.bin === 'object' ? manifest.bin : {};
      if ('strata' in bins && typeof manifest.version === 'string') return manifest.version;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `no package.json declaring the strata command above ${fileURLToPath(from)}`, {
        hint: 'the installed package is incomplete: install it again',
      });
    }
    dir = parent;
  }
}
