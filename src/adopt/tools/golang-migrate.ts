/**
 * golang-migrate: `schema_migrations(version bigint, dirty boolean)` holds ONE row, the current
 * version (golang-migrate/migrate database/postgres/postgres.go ensureVersionTable, SetVersion;
 * database/sqlite3/sqlite3.go, database/mysql/mysql.go alike). Every file at or below it is
 * applied; `dirty = true` means that version failed part-way. Its folder (`N_name.up.sql` /
 * `.down.sql` pairs) is one Strata reads as it is.
 */
import { readdirSync } from 'node:fs';
import { compareVersions, canonicalVersion } from '../../model/version.js';
import type { AdoptedStep, ToolLedgerReader } from '../tool-ledger.js';
import { toolTable, truthy } from './tool-sql.js';

const UP_FILE = /^(\d+)_(.*)\.up\.[a-z]+$/;

export const golangMigrate: ToolLedgerReader = {
  tool: 'golang-migrate',
  layoutSource: 'golang-migrate/migrate database/postgres/postgres.go (ensureVersionTable, SetVersion, Version)',
  defaultTable: 'schema_migrations',
  defaultDir: 'migrations',
  folder: 'in-place',
  async read(db, { dir, table = 'schema_migrations' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<{ version: unknown; dirty: unknown }>(`SELECT version, dirty FROM ${found.quoted}`);
    const row = rows[0];
    // No row, or -1 (golang-migrate's NilVersion after a full down): nothing applied.
    if (!row || Number(row.version) < 0) return { source: found.name, steps: [], unfinished: [] };
    const current = canonicalVersion(String(row.version));
    const files = upFiles(dir);
    const steps: AdoptedStep[] = files
      .filter((f) => compareVersions(f.version, current) <= 0)
      .map((f) => ({ version: f.version, name: f.name, appliedAt: null }));
    // The ledger names only the current version: if its file is gone, the engine must hear of it.
    if (!steps.some((s) => s.version === current)) steps.push({ version: current, name: current, appliedAt: null });
    const dirty = truthy(row.dirty);
    return {
      source: found.name,
      steps: dirty ? steps.filter((s) => s.version !== current) : steps,
      unfinished: dirty
        ? [{ version: current, name: files.find((f) => f.version === current)?.name ?? current, reason: 'dirty = true (it failed part-way)' }]
        : [],
    };
  },
};

function upFiles(dir: string): { version: string; name: string }[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const match = UP_FILE.exec(entry);
    return match ? [{ version: canonicalVersion(match[1]!), name: match[2]! }] : [];
  });
}
