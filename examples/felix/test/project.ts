/**
 * A temp copy of the example for each test: its config and migrations under
 * <tmp>/examples/felix, with <tmp>/node_modules/strata-migrate a link to this package so the
 * migration modules' `import ... from 'strata-migrate'` resolves as in an installed project (to
 * the built dist/, through the package's exports). Real SQLite files,
 * the real CLI (dist/cli/main.cjs, built by `npm run build`).
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, cli, query, tempDir, type CliResult } from '../../../test/helpers.js';

export const EXAMPLE = join(ROOT, 'examples', 'felix');
export const LEDGER = 'schema_version';

export const DATABASES = ['knowledge', 'memory', 'task_memory', 'workflow_history', 'command_history'] as const;
export type Name = (typeof DATABASES)[number];

/** Each database's migrations in the order Strata plans them (dependencies first, then lowest version). */
export const PLAN: Record<Name, string[]> = {
  knowledge: ['knowledge001', 'knowledge_brain001', 'fts001', 'knowledge002', 'knowledge_validation001'],
  memory: ['task001', 'task002', 'task003', 'task004'],
  task_memory: ['learning001', 'learning002'],
  workflow_history: ['workflow001', 'feedback001', 'workflow002', 'agent_performance001'],
  command_history: ['system001', 'system002'],
};

/** The cross-category dependencies the migrations declare. */
export const DEPENDS_ON: Record<string, string[]> = {
  knowledge_brain001: ['knowledge001'],
  fts001: ['knowledge001', 'knowledge_brain001'],
  knowledge002: ['knowledge_brain001'],
  knowledge_validation001: ['knowledge002'],
  feedback001: ['workflow001'],
  agent_performance001: ['workflow002'],
};

export interface Project {
  /** The example's folder in the copy (where strata.config.json is). */
  dir: string;
  config: string;
  db(name: Name): string;
  backupsDir: string;
  /** Manifest ids in data/backups for one database (ids start with its file name and a dot). */
  backups(name: Name): string[];
  run(...args: string[]): CliResult;
}

let checkedBuild = false;

export function copyExample(): Project {
  if (!checkedBuild) {
    assert.ok(existsSync(CLI), `${CLI} is missing: run 'npm run build' first`);
    checkedBuild = true;
  }
  const root = tempDir('strata-felix-');
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(ROOT, join(root, 'node_modules', 'strata-migrate'), 'dir');
  const dir = join(root, 'examples', 'felix');
  mkdirSync(join(dir, 'data'), { recursive: true });
  for (const item of ['strata.config.json', 'package.json', 'migrations']) cpSync(join(EXAMPLE, item), join(dir, item), { recursive: true });
  const backupsDir = join(dir, 'data', 'backups');
  const file = (name: Name) => `felix_${name}.db`;
  return {
    dir,
    config: join(dir, 'strata.config.json'),
    db: (name) => join(dir, 'data', file(name)),
    backupsDir,
    backups: (name) =>
      existsSync(backupsDir)
        ? readdirSync(backupsDir)
            .filter((f) => f.startsWith(`felix_${name}.`) && f.endsWith('.manifest.json'))
            .map((f) => f.slice(0, -'.manifest.json'.length))
            .sort()
        : [],
    run: (...args) => cli(args, { cwd: dir }),
  };
}

/** Applied versions in the ledger, in the order they were applied. */
export function applied(path: string): string[] {
  if (!existsSync(path)) return [];
  return query<{ version: string }>(path, `SELECT version FROM ${LEDGER} WHERE status = 'applied' ORDER BY applied_at, rowid`).map((r) => r.version);
}

/**
 * The schema, normalised so that a table rebuilt by a down compares equal to the one the
 * earlier step created: whitespace and double quotes removed, lower case. The ledger is left out.
 */
export function schemaOf(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> ? ORDER BY type, name`).all(LEDGER) as {
        type: string;
        name: string;
        sql: string | null;
      }[]
    ).map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, '').replaceAll('"', '').toLowerCase()}`);
  } finally {
    db.close();
  }
}

/** Names of the objects of one type (table, index, trigger, view), the ledger's left out. */
export function objects(path: string, type: 'table' | 'index' | 'trigger' | 'view'): string[] {
  return query<{ name: string }>(path, `SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' AND tbl_name <> ? ORDER BY name`, [
    type,
    LEDGER,
  ]).map((r) => r.name);
}

export function columns(path: string, table: string): string[] {
  return query<{ name: string }>(path, 'SELECT name FROM pragma_table_xinfo(?) ORDER BY cid', [table]).map((r) => r.name);
}

export function readManifest(p: Project, id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(p.backupsDir, `${id}.manifest.json`), 'utf8')) as Record<string, unknown>;
}

export function sizeOf(path: string): number {
  return statSync(path).size;
}

/**
 * Schema and every row of every table (FTS5 shadow tables and WITHOUT ROWID tables included,
 * rows sorted), ledger too: "nothing changed" means this is deep-equal.
 */
export function snapshot(path: string): { schema: unknown[]; rows: Record<string, string[]> } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const schema = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
    const rows: Record<string, string[]> = {};
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name")
      .all() as { name: string }[];
    for (const { name } of tables) {
      rows[name] = (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map((row) => JSON.stringify(row)).sort();
    }
    return { schema, rows };
  } finally {
    db.close();
  }
}
