/**
 * Imports migration modules. `.ts` files load through tsx at run time (no build step); tsx is
 * imported only when a TypeScript file actually has to run, so `status` and a no-op `migrate`
 * never pay for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';

const TYPESCRIPT = /\.[mc]?ts$/;

/**
 * `version` (e.g. the file's checksum) becomes part of the URL: Node caches ES modules by URL
 * for the life of the process, so a long-lived migrator would otherwise run a stale copy of an
 * edited file.
 */
export async function importFile(file: string, version?: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href + (version ? `?v=${encodeURIComponent(version.slice(-16))}` : '');
  try {
    if (TYPESCRIPT.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${file} could not be loaded: ${messageOf(error)}`, {
      hint: 'fix the syntax or import error in that file and run the command again',
      cause: error,
      details: { file },
    });
  }
}

/**
 * A module's default export. A .ts file outside a `"type": "module"` package is compiled to
 * CommonJS by tsx, whose `export default x` then arrives as `{ default: { default: x } }`.
 */
export function defaultExport(loaded: Record<string, unknown>): unknown {
  const outer = loaded.default;
  if (outer && typeof outer === 'object' && 'default' in outer && (outer as { __esModule?: boolean }).__esModule) {
    return (outer as { default: unknown }).default;
  }
  return outer;
}

/** `export function up` / `export default { up }` / CommonJS `module.exports = { up }`. */
export function migrationExports(loaded: Record<string, unknown>): Record<string, unknown> {
  if (typeof loaded.up === 'function') return loaded;
  const fallback = loaded.default;
  if (fallback && typeof fallback === 'object') {
    const inner = fallback as Record<string, unknown>;
    // tsx may wrap CommonJS output twice (default.default).
    if (typeof inner.up !== 'function' && inner.default && typeof inner.default === 'object') {
      return inner.default as Record<string, unknown>;
    }
    return inner;
  }
  return loaded;
}

/**
 * A settings file as a value: JSON parsed, or a module's default export (.ts through tsx).
 * Every failure is CONFIG_INVALID naming the file; `missingHint` says what to do when it is absent.
 */
export async function readSettingsFile(file: string, what: string, missingHint: string): Promise<unknown> {
  if (!existsSync(file)) throw new StrataError(ErrorCode.CONFIG_INVALID, `${what} ${file} does not exist`, { hint: missingHint });
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file} is not valid JSON: ${messageOf(error)}`, { hint: 'fix the JSON syntax', cause: error });
    }
  }
  const module = await importFile(file).catch((error: StrataError) => {
    throw new StrataError(ErrorCode.CONFIG_INVALID, error.message, { hint: 'fix the config module', cause: error.cause });
  });
  return defaultExport(module) ?? module;
}
