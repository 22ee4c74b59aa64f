/**
 * The app's start-up path: migrate Felix's five databases in process, the way the CLI does
 * (`strata migrate` reads the same strata.config.json), each with its own ledger, lock and
 * pre-migration backup. Only the settings this project's config uses are read (db, dir, table,
 * backup); anything else in it is refused, so the two paths cannot quietly drift apart.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createMigrator, type RunReport, type StatusReport } from 'strata-migrate';
import type { BackupSettings } from 'strata-migrate';

export const FELIX_DATABASES = ['knowledge', 'memory', 'task_memory', 'workflow_history', 'command_history'] as const;
export type FelixDatabase = (typeof FELIX_DATABASES)[number];

export interface FelixDatabaseConfig {
  name: FelixDatabase;
  /** Absolute path of the SQLite file. */
  db: string;
  /** Absolute path of its migrations folder. */
  dir: string;
  table: string | undefined;
  backup: false | BackupSettings;
}

interface ConfigFile {
  table?: string;
  backup?: false | BackupSettings;
  databases: Record<string, { db: string; dir: string; table?: string; backup?: false | BackupSettings }>;
}

const TOP_LEVEL = new Set(['table', 'backup', 'databases']);
const PER_DATABASE = new Set(['db', 'dir', 'table', 'backup']);

/** The five databases of a Felix strata.config.json, paths resolved against the file's folder. */
export function readFelixConfig(configPath: string): FelixDatabaseConfig[] {
  const base = dirname(resolve(configPath));
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as ConfigFile;
  const unknown = Object.keys(config).filter((key) => !TOP_LEVEL.has(key));
  if (unknown.length) throw new Error(`${configPath}: setting(s) this loader does not read: ${unknown.join(', ')}`);
  const names = Object.keys(config.databases ?? {});
  if (names.join() !== FELIX_DATABASES.join())
    throw new Error(`${configPath}: expected the databases ${FELIX_DATABASES.join(', ')}, found ${names.join(', ') || 'none'}`);
  return FELIX_DATABASES.map((name) => {
    const entry = config.databases[name]!;
    const extra = Object.keys(entry).filter((key) => !PER_DATABASE.has(key));
    if (extra.length) throw new Error(`${configPath}: databases.${name}: setting(s) this loader does not read: ${extra.join(', ')}`);
    const backup = entry.backup === false || config.backup === false ? false : { ...config.backup, ...entry.backup };
    return { name, db: resolve(base, entry.db), dir: resolve(base, entry.dir), table: entry.table ?? config.table, backup };
  });
}

function migratorFor(database: FelixDatabaseConfig) {
  return createMigrator({ db: database.db, dir: database.dir, backup: database.backup, ...(database.table ? { table: database.table } : {}) });
}

/**
 * Migrates every database in config order; the first failure stops the run (the databases after
 * it are not touched) and is thrown after the finished ones are reported through `onMigrated`.
 */
export async function migrateFelix(configPath: string, onMigrated?: (name: FelixDatabase, report: RunReport) => void): Promise<Map<FelixDatabase, RunReport>> {
  const reports = new Map<FelixDatabase, RunReport>();
  for (const database of readFelixConfig(configPath)) {
    const migrator = migratorFor(database);
    try {
      const report = await migrator.migrate();
      reports.set(database.name, report);
      onMigrated?.(database.name, report);
    } finally {
      await migrator.close();
    }
  }
  return reports;
}

export async function felixStatus(configPath: string): Promise<Map<FelixDatabase, StatusReport>> {
  const reports = new Map<FelixDatabase, StatusReport>();
  for (const database of readFelixConfig(configPath)) {
    const migrator = migratorFor(database);
    try {
      reports.set(database.name, await migrator.status());
    } finally {
      await migrator.close();
    }
  }
  return reports;
}

/** felix_knowledge.db's path, for the KnowledgeStore. */
export function knowledgeDatabase(configPath: string): string {
  return readFelixConfig(configPath).find((d) => d.name === 'knowledge')!.db;
}
