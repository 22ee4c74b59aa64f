/**
 * The database drivers are optional peers: a SQLite user installs neither pg nor mysql2. Each is
 * imported the first time a URL needs it, through here, so that a missing one is a coded error
 * naming the install command rather than Node's ERR_MODULE_NOT_FOUND from deep inside Strata.
 */
import { importModule } from '../../fs/import-module.js';
import { ErrorCode, StrataError } from '../../model/errors.js';

/**
 * `load` is the caller's own `() => import('pg')`: a literal import() that bundlers can see.
 * `needs` says what asked for the package, e.g. 'a PostgreSQL URL'. `specifier` is what `load`
 * imports when it is not the package's name: the CLI imports it through its bin's hook instead
 * of calling `load` (src/fs/import-module.ts).
 *
 * @example
 * const { default: pg } = await loadPeer('pg', 'a PostgreSQL URL', () => import('pg'));
 */
export async function loadPeer<T>(name: string, needs: string, load: () => Promise<T>, specifier = name): Promise<T> {
  try {
    return await importModule(specifier, load);
  } catch (error) {
    if (!isNotInstalled(error, name)) throw error;
    throw new StrataError(ErrorCode.DRIVER_MISSING, `${needs} needs the ${name} package, which is not installed`, {
      hint: `install it in your project: npm install ${name}`,
      cause: error,
      details: { package: name },
    });
  }
}

/** Node names the package it could not find; a module missing inside an installed one is another failure. */
function isNotInstalled(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${name}'`);
}
