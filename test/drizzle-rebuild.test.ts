/**
 * drizzle-kit's SQLite table rebuild (create __new_x, copy, drop x, rename) of a table whose
 * children reference it with ON DELETE CASCADE, inside a transaction-wrapped file: the data
 * loss users reported (drizzle-team/drizzle-orm#4938), through lint, trace and migrate as users
 * run them (the built CLI), the live database checked after each.
 * - As drizzle-kit writes it (PRAGMA foreign_keys=OFF inside the transaction): lint warns, the
 *   trace run the way drizzle-kit runs it (--as-written) shows the children deleted on the copy,
 *   Strata's own run lifts the pragma out and keeps them.
 * - Without the pragma: the loss happens under Strata too; lint errors and migrate refuses;
 *   an ignore lets lint pass, and `migrate --trace` still stops it.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TraceReport } from 'strata-migrate/tooling';
import { assertFailure, assertOk, cli, describeRun, ledger, parseJson, sha256, tempDir, writeFiles } from './helpers.js';

const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL, email TEXT NOT NULL);
CREATE TABLE posts (id INTEGER PRIMARY KEY NOT NULL, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE);
CREATE TABLE sessions (id INTEGER PRIMARY KEY NOT NULL, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);
INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');
INSERT INTO posts VALUES (1, 1), (2, 1), (3, 2);
INSERT INTO sessions VALUES (1, 2);
`;

/** drizzle-kit's output for "add a column users.name" written as a SQLite rebuild, wrapped in a transaction. */
function drizzleRebuild(options: { pragma: boolean; ignore?: string }): string {
  const pragma = (on: boolean) => (options.pragma ? `PRAGMA foreign_keys=${on ? 'ON' : 'OFF'};--> statement-breakpoint\n` : '');
  return `${options.ignore ? `-- strata-ignore ${options.ignore}\n` : ''}BEGIN;
${pragma(false)}CREATE TABLE \`__new_users\` (\`id\` integer PRIMARY KEY NOT NULL, \`email\` text NOT NULL, \`name\` text);--> statement-breakpoint
INSERT INTO \`__new_users\`("id", "email") SELECT "id", "email" FROM \`users\`;--> statement-breakpoint
DROP TABLE \`users\`;--> statement-breakpoint
ALTER TABLE \`__new_users\` RENAME TO \`users\`;--> statement-breakpoint
${pragma(true)}COMMIT;
`;
}

function project(migration: string): { dir: string; db: string; run: (...args: string[]) => ReturnType<typeof cli> } {
  const dir = tempDir('strata-drizzle-rebuild-');
  writeFiles(dir, {
    'migrations/0001_users_name.sql': migration,
    'strata.config.json': JSON.stringify({ db: './app.db', dir: './migrations', backup: false }),
  });
  const db = new Database(join(dir, 'app.db'));
  db.exec(SCHEMA);
  db.close();
  return { dir, db: join(dir, 'app.db'), run: (...args) => cli(args, { cwd: dir }) };
}

const rowsOf = (db: string, table: string) => {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
  } finally {
    conn.close();
  }
};

const lostIn = (report: TraceReport) => Object.fromEntries(report.tables.filter((t) => t.rowsLost).map((t) => [t.table, [t.deletedByCascade, t.rowsLost]]));

describe("drizzle-kit's rebuild with cascading children", () => {
  test('as drizzle-kit writes it: lint warns; traced as drizzle-kit runs it, the children are deleted on the copy; Strata runs it without losing them', () => {
    const p = project(drizzleRebuild({ pragma: true }));
    const before = sha256(p.db);

    const lint = p.run('lint', '--json');
    assertOk(lint);
    const findings = parseJson<{ findings: { rule: string; severity: string; line: number }[] }>(lint).findings;
    assert.ok(
      findings.some((f) => f.rule === 'sqlite/rebuild-with-cascade' && f.severity === 'warn' && f.line === 5),
      `lint did not flag the rebuild\n${describeRun(lint)}`,
    );

    const asDrizzleRunsIt = p.run('trace', '--as-written', '--json');
    assert.equal(asDrizzleRunsIt.code, 1, describeRun(asDrizzleRunsIt));
    assert.deepEqual(lostIn(parseJson<TraceReport>(asDrizzleRunsIt)), { posts: [3, 3], sessions: [1, 1] });
    const asStrataRunsIt = p.run('trace', '--json');
    assertOk(asStrataRunsIt);
    assert.equal(parseJson<TraceReport>(asStrataRunsIt).rowsLost, 0);
    assert.equal(sha256(p.db), before, 'the trace changed the live database');

    assertOk(p.run('migrate', '--trace'));
    assert.deepEqual([rowsOf(p.db, 'users'), rowsOf(p.db, 'posts'), rowsOf(p.db, 'sessions')], [2, 3, 1]);
  });

  test('without the pragma: lint errors, trace reports the deleted children, migrate refuses; with an ignore, migrate --trace still stops it', () => {
    const p = project(drizzleRebuild({ pragma: false }));
    const before = sha256(p.db);

    assert.equal(p.run('lint').code, 1);
    const traced = p.run('trace', '--json');
    assert.equal(traced.code, 1, describeRun(traced));
    assert.deepEqual(lostIn(parseJson<TraceReport>(traced)), { posts: [3, 3], sessions: [1, 1] });
    assertFailure(p.run('trace'), 'TRACE_DATA_LOSS');
    assertFailure(p.run('migrate'), 'PLAN_REJECTED');
    assert.equal(sha256(p.db), before);
    assert.deepEqual(ledger(p.db), []);

    const ignored = project(drizzleRebuild({ pragma: false, ignore: 'sqlite/rebuild-with-cascade: the children are re-imported afterwards' }));
    const ignoredBefore = sha256(ignored.db);
    assertOk(ignored.run('lint'));
    assertFailure(ignored.run('migrate', '--trace'), 'TRACE_DATA_LOSS');
    assert.equal(sha256(ignored.db), ignoredBefore);
    assert.deepEqual(ledger(ignored.db), []);
  });
});
