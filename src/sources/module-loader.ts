/**
 * Imports migration modules and config files. A `.ts` file loads through tsx when the project has
 * it installed (full TypeScript: enums, decorators, tsconfig paths; what Strata always did), else
 * through Node's own type stripping where the running Node has it (22.18+, or 22.10+ with
 * --experimental-strip-types: erasable syntax only), else it is a TYPESCRIPT_UNSUPPORTED error
 * saying what to install. tsx is not a dependency of Strata: a SQLite user should not install
 * esbuild. Either loader is reached only when a TypeScript file actually has to run, so `status`
 * and a no-op `migrate` never pay for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { importModule } from '../fs/import-module.js';

const TYPESCRIPT = /\.[mc]?ts$/;

/**
 * `version` (e.g. the file's checksum) becomes part of the URL: Node caches ES modules by URL
 * for the life of the process, so a long-lived migrator would otherwise run a stale copy of an
 * edited file.
 */
export async function importFile(file: string, version?: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href + (version ? `?v=${encodeURIComponent(version.slice(-16))}` : '');
  const load = TYPESCRIPT.test(file) ? await typeScriptLoader(file) : (href: string) => importModule(href, () => import(href));
  try {
    return (await load(url)) as Record<string, unknown>;
  } catch (error) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${file} could not be loaded: ${messageOf(error)}`, {
      hint: 'fix the syntax or import error in that file and run the command again',
      cause: error,
      details: { file },
    });
  }
}

type Loader = (url: string) => Promise<unknown>;

async function typeScriptLoader(file: string): Promise<Loader> {
  const tsx = tsxApiUrl();
  if (tsx) {
    const { tsImport } = (await importModule(tsx, () => import(tsx))) as { tsImport: (url: string, parent: string) => Promise<unknown> };
    return (url) => tsImport(url, import.meta.url);
  }
  // 'strip' or 'transform' where the running Node strips types (22.10+; @types/node 20 does not know the field).
  if ((process.features as { typescript?: string | false }).typescript) return (url) => importModule(url, () => import(url));
  throw new StrataError(ErrorCode.TYPESCRIPT_UNSUPPORTED, `${file} is TypeScript, and Node ${process.versions.node} cannot run it without a loader`, {
    hint: 'install tsx in your project (npm install -D tsx), or run Strata on Node 22.18 or later, which strips types itself',
    details: { file, node: process.versions.node },
  });
}

/** Whether a `.ts` file can be loaded here (tsx found, or Node strips types): what `strata init` checks before writing strata.config.ts. */
export function canLoadTypeScript(): boolean {
  return tsxApiUrl() !== undefined || Boolean((process.features as { typescript?: string | false }).typescript);
}

/**
 * tsx's ESM API: the project's own tsx (from the working directory) first, then one installed
 * beside Strata. Found through tsx's package.json: require.resolve() picks the CommonJS build of
 * `tsx/esm/api`, which cannot find its own loader when imported (tsx 4.23), and Node 20's
 * import.meta.resolve() cannot resolve from another directory.
 */
function tsxApiUrl(): string | undefined {
  for (const from of [join(process.cwd(), 'package.json'), import.meta.url]) {
    let manifest: string;
    try {
      manifest = createRequire(from).resolve('tsx/package.json');
    } catch (error) {
      if ((error as { code?: string }).code === 'MODULE_NOT_FOUND') continue;
      throw error;
    }
    const api = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, { import?: string | { default?: string } }> }).exports?.['./esm/api']
      ?.import;
    const path = typeof api === 'string' ? api : api?.default;
    if (path) return pathToFileURL(join(dirname(manifest), path)).href;
  }
  return undefined;
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
 * A settings file as a value: JSON parsed, or a module's default export (.ts as importFile loads it).
 * Every failure is CONFIG_INVALID naming the file; `missingHint` says what to do when it is absent.
 */
export async function readSettingsFile(file: string, what: string, missingHint: string): Promise<unknown> {
  if (!existsSync(file)) throw new StrataError(ErrorCode.CONFIG_INVALID, `${what} ${file} does not exist`, { hint: missingHint });
  if (file.endsWith('.json')) {
    try {
      // A UTF-8 byte-order mark (Windows editors write one) is not part of the JSON.
      return JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch (error) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file} is not valid JSON: ${messageOf(error)}`, { hint: 'fix the JSON syntax', cause: error });
    }
  }
  const module = await settled(
    importFile(file).catch((error: StrataError) => {
      if (error.code === ErrorCode.TYPESCRIPT_UNSUPPORTED) throw error;
      throw new StrataError(ErrorCode.CONFIG_INVALID, error.message, { hint: 'fix the config module', cause: error.cause });
    }),
    file,
  );
  return defaultExport(module) ?? module;
}

/** How long a settings module may take to load (its top-level awaits) unless STRATA_CONFIG_TIMEOUT_MS says otherwise. */
export const DEFAULT_CONFIG_LOAD_TIMEOUT_MS = 30_000;

function loadTimeoutMs(): number {
  const configured = Number(process.env.STRATA_CONFIG_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? Math.min(configured, 2_147_483_647) : DEFAULT_CONFIG_LOAD_TIMEOUT_MS;
}

/**
 * `loading`, or CONFIG_INVALID once the timeout passes. A top-level await that never settles
 * would otherwise hang the run, or, when nothing else is pending, end the process with exit
 * status 13 and no message at all. The timer keeps the process alive until one of them wins.
 */
function settled<T>(loading: Promise<T>, file: string): Promise<T> {
  const timeoutMs = loadTimeoutMs();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StrataError(ErrorCode.CONFIG_INVALID, `${file} did not finish loading within ${timeoutMs} ms (a top-level await that never settles?)`, {
            hint: 'make every top-level await of the module settle (a fetch with a timeout, no await on a promise nothing resolves), or raise STRATA_CONFIG_TIMEOUT_MS',
            details: { file, timeoutMs },
          }),
        ),
      timeoutMs,
    );
  });
  return Promise.race([loading, timeout]).finally(() => clearTimeout(timer));
}
