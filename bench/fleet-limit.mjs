// The fleet benchmark's limit (bench/fleet.ts sqliteLimit) as a process of its own, for
// bench/fleet-cpu.sh: one loop over a folder's tenants with better-sqlite3 (Strata's pragmas),
// reading the ledger's versions, applying 0002's SQL and writing Strata's ledger row with its
// schema stamp, one transaction per file. Usage: node bench/fleet-limit.mjs TENANTS MIGRATIONS
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ledgerSql } from '../dist/targets/sql/ledger-sql.js';

const [dir, migrations] = process.argv.slice(2);
const ADD = readFileSync(join(migrations, '0002_add_tier.sql'), 'utf8');
const ADD_UP = ADD.split('-- migrate:up\n')[1].split('\n-- migrate:down')[0];
const ADD_CHECKSUM = `sha256:${createHash('sha256').update(ADD).digest('hex')}`;
const insert = ledgerSql('sqlite').insertApplied;
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith('.db')) continue;
  const db = new Database(join(dir, name));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.exec('BEGIN IMMEDIATE');
    const applied = new Set(db.prepare('SELECT version FROM strata_migrations').pluck().all());
    if (!applied.has('2')) {
      const at = performance.now();
      db.exec(ADD_UP);
      const text = db.prepare("SELECT group_concat(sql, char(30)) FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").pluck().get();
      const stamp = `sqlite1:${createHash('sha256').update(text).digest('hex')}`;
      db.prepare(insert).run('2', 'add_tier', ADD_CHECKSUM, new Date().toISOString(), performance.now() - at, 2, null, null, stamp);
    }
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
