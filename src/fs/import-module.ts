/**
 * import() of a package (an optional driver) or a file URL (a user's migration or config), through
 * the bin's hook when it set one. The built CLI runs as one script compiled from V8's code cache
 * (src/cli/compile-cache.ts), and an import() inside such a script works only with an option Node 20
 * marks experimental (it prints a warning); the bin's own ES module imports for it instead. `load`
 * is the same import() written out, for every other caller: bundlers follow a literal specifier.
 */
// Set by the CLI's bin (src/cli/main.ts), under the same key.
const HOOK = Symbol.for('strata-migrate.import');

type ImportHook = (specifier: string) => Promise<unknown>;

export function importModule<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  const hook = (globalThis as { [HOOK]?: ImportHook })[HOOK];
  return hook ? (hook(specifier) as Promise<T>) : load();
}
