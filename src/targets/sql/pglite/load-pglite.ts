/**
 * Loads `@electric-sql/pglite` on first use. It is an optional peer (PostgreSQL compiled to WASM,
 * ~10 MB on disk, ~20 ms to import): users who never open a `pglite:` database never load it,
 * and those who do without it installed get a coded error that says how to install it.
 */
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { ErrorCode, StrataError } from '../../../model/errors.js';
import { importModule } from '../../../fs/import-module.js';

const PACKAGE = '@electric-sql/pglite';

export type { PGlite };

export async function createPglite(dataDir: string | undefined, options: PGliteOptions = {}): Promise<PGlite> {
  let module: typeof import('@electric-sql/pglite');
  try {
    module = await importModule(PACKAGE, () => import('@electric-sql/pglite'));
  } catch (error) {
    const missing = (error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(PACKAGE);
    if (!missing) throw error;
    throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `pglite: databases need the ${PACKAGE} package, which is not installed`, {
      hint: `npm install ${PACKAGE}`,
      cause: error,
    });
  }
  return module.PGlite.create(dataDir, options);
}
