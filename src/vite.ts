/**
 * `strata-migrate/vite`: the migrations folder as a module the app imports, for Vite and esbuild
 * (build-time plugins: they run in Node). `import migrations from 'virtual:strata-migrations'`
 * gives the MigrationBundle `strata bundle` writes (same reader, same checksums), read again
 * whenever a file in the folder changes. Pass it to createBrowserMigrator (strata-migrate/browser).
 * The plugins are typed structurally: this module imports neither Vite nor esbuild.
 *
 * @example
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { strataMigrations } from 'strata-migrate/vite';
 * export default defineConfig({ plugins: [strataMigrations({ dir: 'migrations', dialect: 'sqlite' })] });
 *
 * @module strata-migrate/vite
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { bundleMigrationFolder, bundleModuleSource, type BundleFolderOptions } from './bundle/bundle-folder.js';

/** The module id the plugins answer by default. */
export const MIGRATIONS_MODULE_ID = 'virtual:strata-migrations';

export interface StrataMigrationsPluginOptions extends Partial<Omit<BundleFolderOptions, 'dir'>> {
  /** The migrations folder, relative to Vite's root (esbuild: to the working directory); default `migrations`. */
  dir?: string;
  /** The id to import (default `virtual:strata-migrations`). */
  id?: string;
}

/** The part of a Vite plugin this one is (Vite's own Plugin type accepts it). */
export interface StrataVitePlugin {
  name: string;
  enforce: 'pre';
  configResolved(config: { root: string }): void;
  resolveId(source: string): string | undefined;
  load(this: { addWatchFile(file: string): void }, id: string): Promise<string | undefined>;
  configureServer(server: {
    watcher: { add(path: string): unknown; on(event: 'all', listener: (event: string, path: string) => void): unknown };
    moduleGraph: { getModuleById(id: string): unknown; invalidateModule(module: never): void };
    ws: { send(payload: { type: 'full-reload' }): void };
  }): void;
}

/** Vite: `import migrations from 'virtual:strata-migrations'`. */
export function strataMigrations(options: StrataMigrationsPluginOptions = {}): StrataVitePlugin {
  const id = options.id ?? MIGRATIONS_MODULE_ID;
  const resolvedId = `\0${id}`;
  let root = process.cwd();
  const dir = () => resolve(root, options.dir ?? 'migrations');
  return {
    name: 'strata-migrations',
    enforce: 'pre',
    configResolved(config) {
      root = config.root;
    },
    resolveId: (source) => (source === id ? resolvedId : undefined),
    async load(loadId) {
      if (loadId !== resolvedId) return undefined;
      for (const file of filesOf(dir())) this.addWatchFile(file);
      return moduleFor(dir(), options, root);
    },
    configureServer(server) {
      server.watcher.add(dir());
      server.watcher.on('all', (_event, path) => {
        const inside = relative(dir(), path);
        if (inside.startsWith('..') || isAbsolute(inside)) return;
        const module = server.moduleGraph.getModuleById(resolvedId);
        if (!module) return;
        server.moduleGraph.invalidateModule(module as never);
        server.ws.send({ type: 'full-reload' });
      });
    },
  };
}

/** The part of an esbuild plugin this one is (esbuild's Plugin type accepts it). */
export interface StrataEsbuildPlugin {
  name: string;
  setup(build: {
    onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string; namespace: string }): void;
    onLoad(
      options: { filter: RegExp; namespace: string },
      callback: () => Promise<{ contents: string; loader: 'js'; resolveDir: string; watchDirs: string[]; watchFiles: string[] }>,
    ): void;
  }): void;
}

/** esbuild: `import migrations from 'virtual:strata-migrations'`. */
export function strataMigrationsEsbuild(options: StrataMigrationsPluginOptions = {}): StrataEsbuildPlugin {
  const id = options.id ?? MIGRATIONS_MODULE_ID;
  const namespace = 'strata-migrations';
  return {
    name: 'strata-migrations',
    setup(build) {
      // Filtered by the id on load too: several instances (one per folder) share the namespace.
      const filter = new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
      build.onResolve({ filter }, () => ({ path: id, namespace }));
      build.onLoad({ filter, namespace }, async () => {
        const dir = resolve(options.dir ?? 'migrations');
        return { contents: await moduleFor(dir, options, process.cwd()), loader: 'js', resolveDir: dir, watchDirs: [dir], watchFiles: filesOf(dir) };
      });
    },
  };
}

async function moduleFor(dir: string, options: StrataMigrationsPluginOptions, root: string): Promise<string> {
  const bundle = await bundleMigrationFolder({ dir, dialect: options.dialect, format: options.format, placeholders: options.placeholders });
  return bundleModuleSource(bundle, relative(root, dir) || dir);
}

function filesOf(dir: string): string[] {
  try {
    return readdirSync(dir).map((file) => join(dir, file));
  } catch {
    // A missing folder: bundleMigrationFolder reports it (MIGRATIONS_DIR_MISSING).
    return [];
  }
}
