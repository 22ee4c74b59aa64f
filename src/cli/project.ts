/**
 * Multi-database projects: a config whose `databases` names several databases (one app, five
 * SQLite files), each migrated with its own lock, ledger and backups.
 *
 * - Each entry takes the per-database settings the config already knows (db, dir, table, schema,
 *   backup, placeholders, ...); the top-level settings are defaults every entry inherits. `backup`,
 *   `placeholders` and `pragmas` merge key by key (the entry's win); `backup: false` in an entry
 *   turns its backups off. Relative paths are relative to the config file.
 * - `--database NAME` (repeatable, or a,b) picks some; the order is always the config's.
 * - DATABASE_URL is not used: one URL cannot stand for several databases.
 * - Flags apply to every selected database; `--db` and `--dir`, which name one database, only when
 *   exactly one is selected.
 */
import { usage } from './args.js';
import { nearestName } from 'strata-migrate/tooling';
import { loadConfig, resolveSettings, type ConfigFlags, type ResolvedConfig, type StrataConfig } from './config.js';

export interface Project {
  /** The config file, if any. */
  file: string | undefined;
  /** True when the config names its databases (reports then name each one). */
  multi: boolean;
  /** Every database the config names, in config order ([] when it names none). */
  names: string[];
  /** The databases this run works on, in config order; for a single-database project, its one database. */
  selected: ResolvedConfig[];
}

export async function resolveProject(
  flags: ConfigFlags,
  selection: readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<Project> {
  const { file, fromFile } = await loadConfig(flags, cwd);
  const { databases, ...defaults } = fromFile;
  if (!databases) {
    if (selection?.length) {
      throw usage(
        `--database ${selection.join(',')}: ${file ? `${file} names no databases` : 'there is no config file naming databases'}`,
        'a multi-database project lists them under "databases" in strata.config.json; for a single database use --db',
      );
    }
    return { file, multi: false, names: [], selected: [resolveSettings(fromFile, file, flags, env, cwd)] };
  }
  const names = Object.keys(databases);
  const wanted = selectDatabases(names, selection, file);
  if (wanted.length > 1) {
    for (const [flag, value] of [
      ['--db', flags.db],
      ['--dir', flags.dir],
    ] as const) {
      if (value !== undefined) {
        throw usage(
          `${flag} names one database, and this run works on ${wanted.length}: ${wanted.join(', ')}`,
          `pick one with --database NAME, e.g. --database ${wanted[0]}`,
        );
      }
    }
  }
  // No DATABASE_URL: each database names its own db.
  const selected = wanted.map((name) => {
    const settings = resolveSettings(inherit(defaults, databases[name]!), file, flags, {}, cwd);
    return { ...settings, name, dbSource: flags.db === undefined ? `${settings.dbSource}, databases.${name}` : settings.dbSource };
  });
  return { file, multi: true, names, selected };
}

/** The entry over the top-level defaults; objects of settings merge key by key. */
export function inherit(defaults: StrataConfig, own: StrataConfig): StrataConfig {
  const given = Object.fromEntries(Object.entries(own).filter(([, value]) => value !== undefined)) as StrataConfig;
  const merged: StrataConfig = { ...defaults, ...given };
  if (defaults.backup && given.backup) merged.backup = { ...defaults.backup, ...given.backup };
  if (defaults.placeholders && given.placeholders) merged.placeholders = { ...defaults.placeholders, ...given.placeholders };
  if (defaults.pragmas && given.pragmas) merged.pragmas = { ...defaults.pragmas, ...given.pragmas };
  return merged;
}

/** `--database` values (each may be a comma list) checked against the names, in config order; all without any. */
export function selectDatabases(names: readonly string[], selection: readonly string[] | undefined, file: string | undefined): string[] {
  const asked = (selection ?? []).flatMap((value) => value.split(',')).map((name) => name.trim());
  if (asked.length === 0) return [...names];
  const known = `the databases${file ? ` in ${file}` : ''}: ${names.join(', ')}`;
  for (const name of asked) {
    if (name === '') throw usage('--database needs a name', known);
    if (!names.includes(name)) {
      const near = nearestName(name, names);
      throw usage(`unknown database '${name}'${near ? `; did you mean '${near}'?` : ''}`, known);
    }
  }
  return names.filter((name) => asked.includes(name));
}
