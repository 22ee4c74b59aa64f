/**
 * The `strata import <config>` file (.json, .ts, .mts, .js, .mjs): the target database, the
 * schema migrations to apply first, the sources and the importers. Relative paths are relative
 * to the config file.
 *
 * ```json
 * { "db": "./app.db", "migrations": "./migrations", "importers": "./importers.ts",
 *   "sources": { "dexie": { "type": "dexie-export", "path": "./export.json" } } }
 * ```
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ErrorCode, StrataError } from '../model/errors.js';
import { defaultExport, importFile, readSettingsFile } from '../sources/module-loader.js';
import type { BackupConfig } from '../backup/backup-settings.js';
import type { Importer } from './types.js';

/** As the `backup` setting of strata.config. */
export type ImportBackupConfig = BackupConfig;

export interface ImportConfig {
  /** The target SQLite database. */
  db?: string;
  /** Strata migrations applied to the target before the import (its schema). */
  migrations?: string;
  /** A module exporting the importers (default export or `importers`: an array, or a function returning one), or the importers themselves (.ts/.mjs configs). */
  importers: string | Importer<any>[];
  /** Name -> `{ type, path, ... }` (dexie-export, redux-persist, json-config, json-array) or a ready source object. */
  sources: Record<string, unknown>;
  statusTable?: string;
  statusKey?: string;
  ownedTables?: string[];
  foreignKeys?: 'defer' | 'enforce';
  backup?: false | ImportBackupConfig;
}

export interface LoadedImportConfig extends ImportConfig {
  file: string;
  /** The config's folder: what relative paths are relative to. */
  base: string;
}

const KEYS: Record<keyof ImportConfig, string> = {
  db: 'string',
  migrations: 'string',
  importers: 'string or array',
  sources: 'object',
  statusTable: 'string',
  statusKey: 'string',
  ownedTables: 'array',
  foreignKeys: '"defer" or "enforce"',
  backup: 'object or false',
};

export async function loadImportConfig(path: string): Promise<LoadedImportConfig> {
  const file = resolve(path);
  const loaded = await readSettingsFile(file, 'import config', 'usage: strata import <config.json|config.ts>');
  return { ...checkImportConfig(loaded, file), file, base: dirname(file) };
}

export function checkImportConfig(value: unknown, file: string): ImportConfig {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file} must export an object`, {
      hint: 'e.g. { "db": "./app.db", "importers": "./importers.ts", "sources": { ... } }',
    });
  }
  const config = value as Record<string, unknown>;
  for (const [key, setting] of Object.entries(config)) {
    if (!(key in KEYS)) {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: unknown setting "${key}"`, { hint: `known settings: ${Object.keys(KEYS).join(', ')}` });
    }
    const ok =
      key === 'importers'
        ? typeof setting === 'string' || Array.isArray(setting)
        : key === 'ownedTables'
          ? Array.isArray(setting) && setting.every((t) => typeof t === 'string')
          : key === 'foreignKeys'
            ? setting === 'defer' || setting === 'enforce'
            : key === 'backup'
              ? setting === false || (typeof setting === 'object' && setting !== null)
              : key === 'sources'
                ? typeof setting === 'object' && setting !== null && !Array.isArray(setting)
                : typeof setting === 'string';
    if (!ok) throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: "${key}" must be a ${KEYS[key as keyof ImportConfig]}`);
  }
  if (config.importers === undefined)
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: "importers" is missing`, {
      hint: 'name the module that exports the importers: "importers": "./importers.ts"',
    });
  if (config.sources === undefined)
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${file}: "sources" is missing`, {
      hint: 'e.g. "sources": { "dexie": { "type": "dexie-export", "path": "./export.json" } }',
    });
  return config as unknown as ImportConfig;
}

/** The importers a config names (a module path, relative to the config) or holds. */
export async function loadImporters(config: LoadedImportConfig): Promise<Importer<any>[]> {
  if (Array.isArray(config.importers)) return config.importers;
  const path = resolve(config.base, config.importers);
  if (!existsSync(path))
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${config.file}: the importers module ${path} does not exist`, {
      hint: 'check "importers" in the import config',
    });
  const module = await importFile(path);
  let exported = defaultExport(module) ?? module.importers;
  if (typeof exported === 'function') exported = await (exported as (c: LoadedImportConfig) => unknown)(config);
  if (!Array.isArray(exported)) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${path} exports no importers`, {
      hint: 'export default [importerA, importerB] (or export const importers = [...])',
    });
  }
  return exported as Importer<any>[];
}
