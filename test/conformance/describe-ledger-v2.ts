/**
 * Ledger v2 on every dialect: a layout 1 ledger (strata-migrate 0.1's, made with its exact DDL)
 * is read as it is and upgraded in place, once, by the first run that writes (racing processes
 * included, and after an upgrade that stopped half-way); a newer layout is refused; `baseline`
 * records history checked by the verifies; `rollback --from-ledger` reverts, with the downs the
 * ledger kept, the steps a newer build applied.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeRun, rejectsWith, ROOT, type CliResult } from '../helpers.js';
import type { DialectEntry, Reader } from './dialects.js';
import { folder, MIGRATIONS } from './migrations.js';
import { ledgerSql, migratorWithFingerprint, openDriver, type SqlDriver } from './strata-access.js';
import { withMigrator } from './with-migrator.js';

const CHILD = fileURLToPath(new URL('./upgrade-when-told.ts', import.meta.url));
const V1_COLUMNS = 'version, name, checksum, applied_at, duration_ms, status, operation, statements_applied, error';
const V2_COLUMNS = 'adopted_from, schema_fingerprint, down_sql';

interface V2Row {
  version: string;
  name: string;
  checksum: string;
  applied_at: string;
  status: string;
  operation: string;
  statements_applied: number;
  adopted_from: string | null;
  schema_fingerprint: string | null;
  down_sql: string | null;
}

/** The migrations of MIGRATIONS with verify sections: what a baseline runs first. */
const VERIFIED = {
  ...MIGRATIONS,
  '0001_items.sql': `${MIGRATIONS['0001_items.sql']}-- migrate:verify\nSELECT id, name FROM items;\n`,
  '0002_tags.sql': `${MIGRATIONS['0002_tags.sql']}-- migrate:verify\nSELECT id, item_id, label FROM tags;\n`,
};

/** Runs `fn` on a connection of Strata's own driver (writable), closed when it ends. */
async function withDriver<T>(db: string, fn: (driver: SqlDriver) => Promise<T>): Promise<T> {
  const driver = openDriver(db);
  await driver.connect('write');
  try {
    return await fn(driver);
  } finally {
    await driver.close();
  }
}

/** The ledger DDL of strata-migrate 0.1 (layout 1), exactly as its ledgerSql() wrote it. */
function v1Ddl(driver: SqlDriver): string {
  const { shortText, keyText, double } = driver.dialect.types;
  return (
    `CREATE TABLE IF NOT EXISTS ${driver.dialect.quoteIdentifier('strata_migrations')} (` +
    `version ${shortText(255)} NOT NULL PRIMARY KEY, ` +
    `name ${keyText(255)} NOT NULL, ` +
    `checksum ${keyText(255)} NOT NULL, ` +
    `applied_at ${shortText(32)} NOT NULL, ` +
    `duration_ms ${double} NOT NULL, ` +
    `status VARCHAR(16) NOT NULL DEFAULT 'applied', ` +
    `operation VARCHAR(8) NOT NULL DEFAULT 'up', ` +
    `statements_applied INTEGER NOT NULL DEFAULT 0, ` +
    'error TEXT)'
  );
}

/** Rewrites the ledger as strata-migrate 0.1 would have left it: its DDL, the same rows. */
async function toLayout1(db: string): Promise<Record<string, unknown>[]> {
  return withDriver(db, async (driver) => {
    const rows = await driver.query(`SELECT ${V1_COLUMNS} FROM strata_migrations`);
    await driver.exec('DROP TABLE strata_migrations');
    await driver.exec(v1Ddl(driver));
    const params = Array.from({ length: 9 }, (_, k) => driver.dialect.param(k + 1)).join(', ');
    for (const row of rows) {
      await driver.run(
        `INSERT INTO strata_migrations (${V1_COLUMNS}) VALUES (${params})`,
        V1_COLUMNS.split(', ').map((column) => row[column]),
      );
    }
    return rows.map(normalise);
  });
}

function normalise(row: Record<string, unknown>): Record<string, unknown> {
  return { ...row, version: String(row.version), duration_ms: Number(row.duration_ms), statements_applied: Number(row.statements_applied) };
}

async function v2Rows(reader: Reader): Promise<V2Row[]> {
  const rows = await reader.query<V2Row>(`SELECT ${V1_COLUMNS}, ${V2_COLUMNS} FROM strata_migrations`);
  return rows.map((row) => normalise(row as unknown as Record<string, unknown>) as unknown as V2Row).sort((a, b) => Number(a.version) - Number(b.version));
}

function racer(db: string, dir: string): { ready: Promise<void>; go(): void; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, dir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.on('error', () => undefined);
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.startsWith('ready\n')) resolve();
    });
    void done.then((result) => reject(new Error(`a racer exited before it was ready\n${describeRun(result)}`)));
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

export function describeLedgerV2(entry: DialectEntry): void {
  test('ledger v2: a layout 1 ledger is read as it is, and upgraded in place by the first run that writes, its rows kept', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    await withMigrator(db, dir, (migrator) => migrator.migrate({ to: 2 }));
    const before = await toLayout1(db);
    const upgrades: { from: number; to: number }[] = [];
    await withMigrator(db, dir, async (migrator) => {
      migrator.on('ledger:upgraded', (e) => upgrades.push({ from: e.from, to: e.to }));
      const status = await migrator.status();
      assert.deepEqual(
        status.migrations.map((m) => `${m.version} ${m.state}`),
        ['1 applied', '2 applied', '3 pending'],
      );
      assert.deepEqual(upgrades, [], 'status only reads: it upgrades nothing');
    });
    await entry.read(db, (r) => assert.rejects(r.query(`SELECT ${V2_COLUMNS} FROM strata_migrations`), 'still layout 1 after status'));
    await withMigrator(db, dir, async (migrator) => {
      migrator.on('ledger:upgraded', (e) => upgrades.push({ from: e.from, to: e.to }));
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['3'],
      );
      await migrator.rollback();
      await migrator.migrate();
    });
    assert.deepEqual(upgrades, [{ from: 1, to: 2 }], 'upgraded once, by the first run that wrote');
    await entry.read(db, async (r) => {
      assert.deepEqual(await r.tables(), ['items', 'strata_migrations', 'tags'], 'layout 2 adds columns, no table');
      const rows = await v2Rows(r);
      assert.deepEqual(
        rows.slice(0, 2).map((row) => ({ version: row.version, checksum: row.checksum, applied_at: row.applied_at, down_sql: row.down_sql })),
        before.map((row) => ({ version: row.version, checksum: row.checksum, applied_at: row.applied_at, down_sql: null })),
        'the rows of layout 1 are kept as they were',
      );
      const three = rows[2]!;
      assert.deepEqual(
        { version: three.version, operation: three.operation, adopted_from: three.adopted_from, schema_fingerprint: three.schema_fingerprint },
        { version: '3', operation: 'up', adopted_from: null, schema_fingerprint: null },
      );
      assert.match(three.down_sql ?? '', /^-- migrate:down\nALTER TABLE items DROP COLUMN note\n;\n$/);
    });
  });

  test('ledger v2: an upgrade that stopped half-way (a column added, no more: MySQL DDL commits as it goes) completes on the next run', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    await withMigrator(db, dir, (migrator) => migrator.migrate({ to: 1 }));
    await toLayout1(db);
    await withDriver(db, (driver) => driver.exec(ledgerSql(driver.dialect).addColumns[0]!.sql));
    const upgrades: number[] = [];
    await withMigrator(db, dir, async (migrator) => {
      migrator.on('ledger:upgraded', (e) => upgrades.push(e.from));
      assert.deepEqual((await migrator.status()).pending, 2, 'a half-upgraded ledger still reads');
      await migrator.migrate();
    });
    assert.deepEqual(upgrades, [1]);
    const rows = await entry.read(db, v2Rows);
    assert.deepEqual(
      rows.map((row) => `${row.version} ${row.status} ${row.down_sql === null ? 'no down' : 'down'}`),
      ['1 applied no down', '2 applied down', '3 applied down'],
    );
  });

  test('ledger v2: racing processes upgrade a layout 1 ledger exactly once, and apply every step once', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    await withMigrator(db, dir, (migrator) => migrator.migrate({ to: 1 }));
    await toLayout1(db);
    const racers = Array.from({ length: 3 }, () => racer(db, dir));
    try {
      await Promise.all(racers.map((r) => r.ready));
    } finally {
      for (const r of racers) r.go();
    }
    const results = await Promise.all(racers.map((r) => r.done));
    for (const result of results) assert.equal(result.code, 0, describeRun(result));
    const reports = results.map(
      (result) => JSON.parse(result.stdout.slice('ready\n'.length)) as { versions: string[]; upgraded: { from: number; to: number }[]; waited: boolean },
    );
    assert.deepEqual(
      reports.flatMap((r) => r.upgraded),
      [{ from: 1, to: 2 }],
      'one racer upgraded the ledger; the others found it upgraded',
    );
    assert.deepEqual(reports.flatMap((r) => r.versions).sort(), ['10', '2', '3'], 'between them the racers applied each step once');
    assert.ok(
      reports.some((r) => r.waited),
      'a racer waited for the lock: they did race',
    );
    const rows = await entry.read(db, v2Rows);
    assert.deepEqual(
      rows.map((row) => `${row.version} ${row.status}`),
      ['1 applied', '2 applied', '3 applied', '10 applied'],
    );
  });

  test('ledger v2: a ledger of a newer layout is refused by every command, naming the release to install', async () => {
    const db = await entry.freshDb();
    const dir = folder(MIGRATIONS);
    await withMigrator(db, dir, (migrator) => migrator.migrate({ to: 1 }));
    // What a later Strata writes beside a layout 3 ledger.
    await withDriver(db, async (driver) => {
      const { meta } = ledgerSql(driver.dialect);
      await driver.exec(meta.create);
      await driver.run(meta.upsert, ['ledger_version', '3']);
      await driver.run(meta.upsert, ['min_strata_version', '9.9.9']);
    });
    await withMigrator(db, dir, async (migrator) => {
      const error = await rejectsWith(migrator.status(), 'LEDGER_TOO_NEW', /strata_migrations .*has layout version 3.*reads layouts up to 2/);
      assert.match(error.hint ?? '', /install strata-migrate@9\.9\.9 or later/);
      assert.deepEqual(error.details, { table: 'strata_migrations', ledgerVersion: 3, reads: 2, install: '9.9.9' });
      await rejectsWith(migrator.migrate(), 'LEDGER_TOO_NEW');
      await rejectsWith(migrator.rollback(), 'LEDGER_TOO_NEW');
      await rejectsWith(migrator.baseline(2), 'LEDGER_TOO_NEW');
    });
    const rows = await entry.read(db, v2Rows);
    assert.deepEqual(
      rows.map((row) => row.version),
      ['1'],
      'nothing was written',
    );
  });

  test('baseline: records the migrations up to V without running them, after their verifies pass; migrate then applies only the rest', async () => {
    const db = await entry.freshDb();
    const dir = folder(VERIFIED);
    // A database made by hand (or by another tool): its schema is at version 2.
    await withDriver(db, async (driver) => {
      await driver.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)');
      await driver.exec('CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id), label VARCHAR(50) NOT NULL)');
    });
    const baselines: { version: string; steps: string[]; dryRun: boolean }[] = [];
    await withMigrator(db, dir, async (migrator) => {
      migrator.on('baseline', (e) => baselines.push({ version: e.version, steps: e.steps.map((s) => s.version), dryRun: e.dryRun }));
      const dry = await migrator.baseline(2, { dryRun: true });
      assert.deepEqual(
        { dryRun: dry.dryRun, recorded: dry.recorded, verified: dry.verified.map((v) => v.version) },
        {
          dryRun: true,
          recorded: [
            { version: '1', name: 'items' },
            { version: '2', name: 'tags' },
          ],
          verified: ['1', '2'],
        },
      );
      assert.equal((await migrator.status()).pending, 3, 'a dry run records nothing');
      const report = await migrator.baseline('2');
      assert.deepEqual(
        { recorded: report.recorded.map((r) => r.version), currentVersion: report.currentVersion },
        { recorded: ['1', '2'], currentVersion: '2' },
      );
      const status = await migrator.status();
      assert.deepEqual(
        status.migrations.map((m) => `${m.version} ${m.state} ${m.adoptedFrom ?? '-'}`),
        ['1 applied baseline', '2 applied baseline', '3 pending -'],
      );
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['3'],
        'migrate runs only what comes after the baseline',
      );
      assert.deepEqual((await migrator.baseline(3)).recorded, [], 'nothing left to record');
    });
    assert.deepEqual(baselines, [
      { version: '2', steps: ['1', '2'], dryRun: true },
      { version: '2', steps: ['1', '2'], dryRun: false },
      { version: '3', steps: [], dryRun: false },
    ]);
    await entry.read(db, async (r) => {
      const rows = await v2Rows(r);
      assert.deepEqual(
        rows.map((row) => `${row.version} ${row.status} ${row.operation} ${row.adopted_from} ${row.statements_applied}`),
        ['1 applied baseline baseline 0', '2 applied baseline baseline 0', '3 applied up null 2'],
      );
      assert.match(rows[0]!.checksum, /^sha256:[0-9a-f]{64}$/);
      assert.match(rows[0]!.down_sql ?? '', /DROP TABLE items/);
      assert.deepEqual(await r.query('SELECT id FROM items'), [], "the baseline ran nothing: migration 1's INSERT did not run");
    });
  });

  test('baseline: refuses an unknown version, rows after V and failing verifies (each one named), recording nothing', async () => {
    const db = await entry.freshDb();
    const dir = folder(VERIFIED);
    await withDriver(db, (driver) => driver.exec('CREATE TABLE unrelated (id INTEGER PRIMARY KEY)'));
    await withMigrator(db, dir, async (migrator) => {
      await rejectsWith(migrator.baseline(7), 'VERSION_UNKNOWN', /no migration with version 7/);
      const error = await rejectsWith(
        migrator.baseline(3),
        'MIGRATION_VERIFY_FAILED',
        /cannot baseline at 3: the verify of 2 migration\(s\) fails.*1_items.*2_tags/,
      );
      assert.deepEqual(
        (error.details.failures as { version: string }[]).map((f) => f.version),
        ['1', '2'],
      );
      assert.match(error.hint ?? '', /nothing was recorded/);
    });
    assert.deepEqual(await entry.read(db, (r) => r.tables()), ['unrelated'], 'no ledger, no row');
    await withMigrator(db, dir, async (migrator) => {
      await migrator.migrate();
      const error = await rejectsWith(migrator.baseline(1), 'BASELINE_CONFLICT', /already holds 2_tags, 3_item_note, after it/);
      assert.deepEqual(error.details.versions, ['2', '3']);
    });
  });

  test('rollback --from-ledger: an older build reverts the steps a newer one applied with the downs their rows kept', async () => {
    const db = await entry.freshDb();
    const newer = folder(MIGRATIONS);
    const older = folder({ '0001_items.sql': MIGRATIONS['0001_items.sql'], '0002_tags.sql': MIGRATIONS['0002_tags.sql'] });
    await withMigrator(db, newer, (migrator) => migrator.migrate());
    await withMigrator(db, older, async (migrator) => {
      await rejectsWith(migrator.migrate(), 'MIGRATION_FILE_MISSING', /3_item_note is applied but its file is gone/);
      const refused = await rejectsWith(migrator.rollback({ to: 2 }), 'MIGRATION_FILE_MISSING', /cannot roll back 3_item_note/);
      assert.deepEqual(refused.next, [{ command: 'rollback', args: ['--to', '2', '--from-ledger'] }]);
      const dry = await migrator.rollback({ to: 2, fromLedger: true, dryRun: true });
      assert.deepEqual(
        dry.results.map((r) => `${r.status} ${r.version}`),
        ['planned 3'],
      );
      const report = await migrator.rollback({ to: 2, fromLedger: true });
      assert.deepEqual(
        report.results.map((r) => `${r.status} ${r.version}`),
        ['reverted 3'],
      );
      assert.equal(report.currentVersion, '2');
      const status = await migrator.status();
      assert.deepEqual(status.problems, []);
      assert.equal(status.currentVersion, '2');
    });
    await entry.read(db, async (r) => {
      await assert.rejects(r.query('SELECT note FROM items'), 'the stored down dropped the column');
      assert.deepEqual(
        (await v2Rows(r)).map((row) => row.version),
        ['1', '2'],
      );
    });
  });

  test('rollback --from-ledger: checks the schema fingerprint each row kept before its down, and refuses a row without a down', async () => {
    const db = await entry.freshDb();
    const newer = folder({
      ...MIGRATIONS,
      '0004_extra.sql': '-- migrate:up\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE extra;\n',
    });
    const older = folder({ '0001_items.sql': MIGRATIONS['0001_items.sql'], '0002_tags.sql': MIGRATIONS['0002_tags.sql'] });
    let taken = 0;
    const migrator = migratorWithFingerprint(db, newer, () => `fp-${++taken}`);
    try {
      await migrator.migrate();
    } finally {
      await migrator.close();
    }
    const stored = await entry.read(db, v2Rows);
    assert.deepEqual(
      stored.map((row) => row.schema_fingerprint),
      ['fp-1', 'fp-2', 'fp-3', 'fp-4'],
      'taken after each step, in its transaction',
    );
    // The live schema is what step 4 left, then something changed what step 3 left.
    const live = ['fp-4', 'fp-changed'];
    const back = migratorWithFingerprint(db, older, () => live.shift() ?? 'none');
    try {
      const error = await rejectsWith(back.rollback({ to: 2, fromLedger: true }), 'FINGERPRINT_MISMATCH', /cannot roll back 3_item_note from the ledger/);
      assert.deepEqual(error.details, { version: '3', expected: 'fp-3', actual: 'fp-changed' });
      assert.deepEqual(
        error.results.map((r) => `${r.status} ${r.version}`),
        ['reverted 4'],
      );
      live.push('fp-3');
      assert.deepEqual(
        (await back.rollback({ to: 2, fromLedger: true })).results.map((r) => r.version),
        ['3'],
      );
    } finally {
      await back.close();
    }

    const noDown = await entry.freshDb();
    await withMigrator(noDown, folder({ ...MIGRATIONS, '0004_plain.sql': 'CREATE TABLE plain (id INTEGER PRIMARY KEY);\n' }), (m) => m.migrate());
    await withMigrator(noDown, older, (m) =>
      rejectsWith(m.rollback({ to: 2, fromLedger: true }), 'MIGRATION_DOWN_MISSING', /cannot roll back 4_plain from the ledger: its row keeps no down SQL/),
    );
    assert.equal((await entry.read(noDown, v2Rows)).length, 4, 'nothing was reverted');
  });
}
