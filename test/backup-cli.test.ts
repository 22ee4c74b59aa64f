/**
 * `strata backup ...` and the backups around `strata migrate` / `rollback`, through the built CLI
 * (dist/cli/main.cjs) on real SQLite files: round trips, damaged backups, keys that never show,
 * the automatic restore after a failure the database cannot undo, a backup that cannot be
 * written, --no-backup, a process killed in the middle of a backup, and bad input.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, cli, CLI, describeRun, dump, exec, ledger, parseJson, tempDir, userTables, writeFiles, type CliResult } from './helpers.js';

const BASE = `-- migrate:up
CREATE TABLE base (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
INSERT INTO base (v) VALUES ('one'), ('two');
-- migrate:down
DROP TABLE base;
`;
const ID = /^strata\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(-\d+)?$/;

/** The database's bytes and its -wal's. */
function bytesOf(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].map((file) => (existsSync(file) ? readFileSync(file) : Buffer.from('absent'))));
}

/** A folder whose ./strata.db has 0001_base applied (a new database takes no backup). */
function applied() {
  const dir = tempDir('strata-backup-cli-');
  const migrations = join(dir, 'migrations');
  writeFiles(migrations, { '0001_base.sql': BASE });
  const db = join(dir, 'strata.db');
  const backups = join(dir, 'backups');
  const run = (...args: string[]) => cli(args, { cwd: dir, env: { STRATA_BACKUP_KEY: '' } });
  const runEnv = (env: NodeJS.ProcessEnv, ...args: string[]) => cli(args, { cwd: dir, env: { STRATA_BACKUP_KEY: '', ...env } });
  assertOk(run('migrate'));
  assert.equal(existsSync(backups), false, 'a new, empty database has nothing to back up');
  /** `backup list --json`'s backups: newest first. */
  const list = (...extra: string[]) =>
    parseJson(run('backup', 'list', '--json', ...extra)).backups as {
      id: string;
      file: string;
      description: string;
      verified: boolean;
      missing: boolean;
      schemaVersion: string | null;
    }[];
  const create = (...extra: string[]) => {
    const result = run('backup', 'create', '--json', ...extra);
    assertOk(result);
    return parseJson(result).backup as { id: string; file: string };
  };
  return { dir, db, migrations, backups, run, runEnv, list, create, write: (files: Record<string, string>) => writeFiles(migrations, files) };
}

function output(result: CliResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

describe('strata backup', () => {
  test('create, list (table and --json), verify, restore in place and --to, delete, prune', () => {
    const ws = applied();
    const original = dump(ws.db);
    const created = ws.run('backup', 'create', '--description', 'before the demo');
    assertOk(created);
    const id = /backup (\S+) written: /.exec(created.stdout)?.[1];
    assert.match(id ?? '', ID, describeRun(created));
    assert.match(created.stdout, /verified: structure; 'strata backup verify' runs the full check/);

    const listing = parseJson(ws.run('backup', 'list', '--json'));
    assert.equal(listing.dir, ws.backups);
    assert.deepEqual(listing.unreadable, []);
    assert.equal(listing.backups.length, 1);
    const entry = listing.backups[0];
    assert.equal(entry.id, id);
    assert.equal(entry.description, 'before the demo');
    assert.equal(entry.schemaVersion, '1');
    assert.equal(entry.verified, true);
    assert.equal(entry.check, 'structure');
    assert.equal(entry.missing, false);
    assert.equal(entry.source, `sqlite:${ws.db}`);
    assert.match(entry.sha256, /^[0-9a-f]{64}$/);
    assert.equal(statSync(join(ws.backups, entry.file)).size, entry.size);
    const table = ws.run('backup', 'list');
    assertOk(table);
    assert.match(table.stdout, /^ID\s+CREATED\s+VERSION\s+SIZE\s+FORMAT\s+CHECKED\s+DESCRIPTION/m);
    assert.match(
      table.stdout,
      new RegExp(`^${id!.replace(/\./g, '\\.')}\\s.*\\s1\\s.*plain\\s+ok structure \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+before the demo`, 'm'),
    );

    const verified = ws.run('backup', 'verify', id!);
    assertOk(verified);
    assert.match(verified.stdout, /is intact: sha256 matches.*integrity_check/);
    // The list shows the last check: now the full one verify ran.
    assert.match(ws.run('backup', 'list').stdout, new RegExp(`^${id!.replace(/\./g, '\\.')}\\s.*plain\\s+ok full \\d{4}-`, 'm'));

    exec(ws.db, "DELETE FROM base; INSERT INTO base (v) VALUES ('changed'); PRAGMA user_version = 5;");
    const changed = dump(ws.db);
    const restored = ws.run('backup', 'restore', id!);
    assertOk(restored);
    assert.match(restored.stdout, new RegExp(`restored backup ${id} to sqlite:${ws.db}`));
    const safety = /what it replaced is kept as backup (\S+)/.exec(restored.stdout)?.[1];
    assert.match(safety ?? '', ID, describeRun(restored));
    assert.deepEqual(dump(ws.db), original);

    const copy = join(ws.dir, 'copy.db');
    assertOk(ws.run('backup', 'restore', safety!, '--to', 'copy.db'));
    assert.deepEqual(dump(copy), changed);
    assert.deepEqual(dump(ws.db), original, '--to leaves the database alone');

    const deleted = ws.run('backup', 'delete', safety!);
    assertOk(deleted);
    assert.match(deleted.stdout, new RegExp(`deleted backup ${safety}`));
    assert.deepEqual(
      ws.list().map((b) => b.id),
      [id],
    );
    const pruned = ws.run('backup', 'prune');
    assertOk(pruned);
    assert.match(pruned.stdout, /nothing to prune/);
    assert.deepEqual(parseJson(ws.run('backup', 'prune', '--json')).pruned, []);
  });

  test('--keep-count prunes after a new verified backup, and never the newest', () => {
    const ws = applied();
    const ids = [1, 2, 3].map(() => ws.create().id);
    const result = ws.run('backup', 'create', '--keep-count', '2', '--json');
    assertOk(result);
    const json = parseJson(result);
    assert.deepEqual(json.pruned, ids.slice(0, 2));
    assert.deepEqual(
      ws.list().map((b) => b.id),
      [json.backup.id, ids[2]],
    );
    assert.deepEqual(parseJson(ws.run('backup', 'prune', '--keep-count', '1', '--json')).pruned, [ids[2]]);
    assert.deepEqual(
      ws.list().map((b) => b.id),
      [json.backup.id],
    );
  });

  test('a damaged backup: verify and restore fail with BACKUP_CORRUPT and the database is untouched', () => {
    const ws = applied();
    const { id, file } = ws.create('--compress', '1');
    const path = join(ws.backups, file);
    const bytes = readFileSync(path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0x01;
    writeFileSync(path, bytes);
    exec(ws.db, "INSERT INTO base (v) VALUES ('since')");
    const before = bytesOf(ws.db);
    for (const action of ['verify', 'restore']) {
      const result = ws.run('backup', action, id);
      assertFailure(result, 'BACKUP_CORRUPT');
      assert.match(result.stderr, /hint: backup .* cannot be trusted and was not restored/);
    }
    assertFailure(ws.run('backup', 'restore', id, '--to', 'copy.db'), 'BACKUP_CORRUPT');
    assert.equal(existsSync(join(ws.dir, 'copy.db')), false);
    assert.ok(bytesOf(ws.db).equals(before), 'the database bytes changed');
    const json = parseJson(ws.run('backup', 'verify', id, '--json'));
    assert.equal(json.error.code, 'BACKUP_CORRUPT');
    assert.equal(json.error.details.id, id);
  });

  test('encrypted backups: key from $STRATA_BACKUP_KEY, --key-file, --passphrase-env; secrets never shown or stored', () => {
    const ws = applied();
    const key = randomBytes(32).toString('hex');
    const otherKey = randomBytes(32).toString('base64');
    const passphrase = 'tr0ub4dor & three more words';
    writeFileSync(join(ws.dir, 'backup.key'), `${key}\n`, { mode: 0o600 });
    const seen: CliResult[] = [];
    const run = (env: NodeJS.ProcessEnv, ...args: string[]) => {
      const result = ws.runEnv(env, ...args);
      seen.push(result);
      return result;
    };
    const original = dump(ws.db);

    const byEnv = run({ STRATA_BACKUP_KEY: key }, 'backup', 'create', '--encrypt', '--compress', '1', '--json');
    assertOk(byEnv);
    const envId = parseJson(byEnv).backup.id as string;
    assert.equal(parseJson(byEnv).backup.file, `${envId}.bak.gz.enc`);
    const byPassphrase = run({ PASS: passphrase }, 'backup', 'create', '--encrypt', '--passphrase-env', 'PASS', '--json');
    assertOk(byPassphrase);
    const passId = parseJson(byPassphrase).backup.id as string;
    assert.equal(parseJson(byPassphrase).backup.kdf, 'scrypt');

    assertOk(run({}, 'backup', 'verify', envId, '--key-file', 'backup.key'));
    assertOk(run({ PASS: passphrase }, 'backup', 'verify', passId, '--passphrase-env', 'PASS'));
    assertFailure(run({}, 'backup', 'verify', envId), 'BACKUP_KEY_MISSING');
    assertFailure(run({}, 'backup', 'restore', passId, '--passphrase-env', 'PASS'), 'BACKUP_KEY_MISSING');
    assertFailure(run({ STRATA_BACKUP_KEY: otherKey }, 'backup', 'verify', envId), 'BACKUP_KEY_INVALID');
    assertFailure(run({ PASS: 'not the passphrase' }, 'backup', 'restore', passId, '--passphrase-env', 'PASS'), 'BACKUP_KEY_INVALID');
    assertFailure(run({ STRATA_BACKUP_KEY: key }, 'backup', 'restore', passId), 'BACKUP_KEY_INVALID');
    assertFailure(run({ STRATA_BACKUP_KEY: 'short' }, 'backup', 'verify', envId), 'BACKUP_KEY_INVALID');
    assert.equal(run({ STRATA_BACKUP_KEY: otherKey }, 'backup', 'verify', envId, '--json', '--verbose').code, 1);
    assert.equal(run({ STRATA_BACKUP_KEY: otherKey }, 'backup', 'verify', envId, '--verbose').code, 1);
    assert.deepEqual(dump(ws.db), original, 'no failed restore touched the database');

    exec(ws.db, 'DELETE FROM base');
    assertOk(run({ STRATA_BACKUP_KEY: key }, 'backup', 'restore', envId, '--encrypt'));
    assert.deepEqual(dump(ws.db), original);
    exec(ws.db, 'DELETE FROM base');
    assertOk(run({ PASS: passphrase }, 'backup', 'restore', passId, '--passphrase-env', 'PASS', '--encrypt'));
    assert.deepEqual(dump(ws.db), original);
    assert.ok(run({}, 'backup', 'list').stdout.includes('aes-256-gcm (passphrase)'));

    const secrets = [key, Buffer.from(key, 'hex').toString('base64'), otherKey, passphrase];
    for (const result of seen) {
      for (const secret of secrets) assert.ok(!output(result).includes(secret), `a secret was printed\n${describeRun(result)}`);
    }
    for (const name of readdirSync(ws.backups)) {
      const bytes = readFileSync(join(ws.backups, name));
      for (const secret of [...secrets, Buffer.from(key, 'hex')]) assert.equal(bytes.indexOf(secret), -1, `${name} holds a secret`);
      assert.equal(statSync(join(ws.backups, name)).mode & 0o777, 0o600, name);
    }
  });
});

describe('backups around migrate and rollback', () => {
  const HALF = `-- strata:no-transaction
CREATE TABLE half (id INTEGER);
INSERT INTO half VALUES (1);
UPDATE base SET v = 'half-way';
INSERT INTO nowhere VALUES (1);
INSERT INTO half VALUES (2);
`;

  test('a non-transactional step that fails half-way: the pre-run backup is restored and the error says so', () => {
    const ws = applied();
    exec(ws.db, 'PRAGMA user_version = 11');
    ws.write({ '0002_fine.sql': '-- migrate:up\nCREATE TABLE fine (id INTEGER);\n-- migrate:down\nDROP TABLE fine;\n', '0003_half.sql': HALF });
    const before = dump(ws.db);
    const result = ws.run('migrate');
    assertFailure(result, 'MIGRATION_FAILED');
    assert.match(result.stderr, /0003_half\.sql: statement 4 \(line 5\) failed: no such table: nowhere/);
    const id = /hint: Strata restored backup (\S+), taken before this run: the database is exactly as it was before it/.exec(result.stderr)?.[1];
    assert.match(id ?? '', ID, describeRun(result));
    assert.deepEqual(dump(ws.db), before, 'every table, the ledger and user_version as before the run');
    assert.deepEqual(userTables(ws.db), ['base']);
    assert.deepEqual(
      ledger(ws.db).map((r) => [r.version, r.status]),
      [['1', 'applied']],
    );
    const status = parseJson(ws.run('status', '--json'));
    assert.equal(status.pending, 2, 'both steps are pending again, nothing failed or running');

    const json = parseJson(ws.run('migrate', '--json'));
    assert.equal(json.error.code, 'MIGRATION_FAILED');
    assert.equal(json.error.details.restored, true);
    assert.match(json.error.details.backup, ID);
    assert.deepEqual(dump(ws.db), before);
    const backups = ws.list();
    assert.deepEqual(
      backups.map((b) => b.id),
      [json.error.details.backup, id],
    );
    assert.match(backups[1]!.description, /^before migrate: 2_fine, 3_half$/);
  });

  test('a backup that cannot be written stops migrate before any migration runs', () => {
    const ws = applied();
    ws.write({ '0002_more.sql': 'CREATE TABLE more (id INTEGER);' });
    writeFileSync(ws.backups, 'not a folder');
    const before = dump(ws.db);
    const result = ws.run('migrate');
    assertFailure(result, 'BACKUP_FAILED');
    assert.match(result.stderr, /hint: nothing was migrated/);
    assert.doesNotMatch(result.stdout, /more/);
    assert.deepEqual(dump(ws.db), before);
    assert.deepEqual(
      ledger(ws.db).map((r) => r.version),
      ['1'],
    );

    const elsewhere = ws.run('migrate', '--backup-dir', 'backups/inner');
    assertFailure(elsewhere, 'BACKUP_FAILED');
    assert.deepEqual(dump(ws.db), before);
    // An encrypted backup without a key is a failed backup as well.
    const keyless = ws.run('migrate', '--backup-dir', 'other', '--encrypt');
    assertFailure(keyless, 'BACKUP_FAILED');
    assert.match(keyless.stderr, /STRATA_BACKUP_KEY/);
    assert.deepEqual(dump(ws.db), before);
    assert.deepEqual(existsSync(join(ws.dir, 'other')) ? readdirSync(join(ws.dir, 'other')) : [], []);

    assertOk(ws.run('migrate', '--no-backup'));
    assert.deepEqual(userTables(ws.db), ['base', 'more']);
  });

  test('--no-backup takes none; a migrate or rollback that changes something takes one; a no-op takes none', () => {
    const ws = applied();
    ws.write({ '0002_a.sql': '-- migrate:up\nCREATE TABLE a (id INTEGER);\n-- migrate:down\nDROP TABLE a;\n' });
    assertOk(ws.run('migrate', '--no-backup'));
    assertOk(ws.run('rollback', '--no-backup'));
    assert.equal(existsSync(ws.backups), false);

    const migrated = ws.run('migrate', '--json');
    assertOk(migrated);
    assertOk(ws.run('migrate'));
    assertOk(ws.run('migrate', '--dry-run'));
    assertOk(ws.run('rollback', '--dry-run'));
    let backups = ws.list();
    assert.equal(backups.length, 1, JSON.stringify(backups));
    assert.match(backups[0]!.description, /^before migrate: 2_a$/);
    assert.equal(backups[0]!.schemaVersion, '1');
    assertOk(ws.run('rollback'));
    backups = ws.list();
    assert.equal(backups.length, 2);
    assert.match(backups[0]!.description, /^before rollback: 2_a$/);
    assert.equal(backups[0]!.schemaVersion, '2');
    for (const name of readdirSync(ws.backups)) assert.equal(statSync(join(ws.backups, name)).mode & 0o777, 0o600, name);
  });
});

describe('a backup killed half-way', () => {
  /** Starts `backup create`, SIGKILLs it as soon as a file whose name ends with `marker` appears. */
  function killWhen(dir: string, backups: string, marker: string, extra: string[]): Promise<{ killed: boolean; seen: string[] }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'backup', 'create', ...extra], { cwd: dir, env: { ...process.env, DATABASE_URL: '' }, stdio: 'ignore' });
      const seen = new Set<string>();
      let killed = false;
      const timer = setInterval(() => {
        for (const name of existsSync(backups) ? readdirSync(backups) : []) seen.add(name);
        if ([...seen].some((name) => name.endsWith(marker)) && !killed) {
          killed = child.kill('SIGKILL');
        }
      }, 2);
      child.on('error', reject);
      child.on('exit', () => {
        clearInterval(timer);
        resolve({ killed, seen: [...seen] });
      });
    });
  }

  test('SIGKILL during the snapshot and during compression: nothing listed fails verify, the next create cleans up', async () => {
    const ws = applied();
    // ~50 MB of incompressible rows.
    exec(
      ws.db,
      'CREATE TABLE blobs (b BLOB); WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 12500) INSERT INTO blobs SELECT randomblob(4000) FROM n;',
    );
    assert.ok(statSync(ws.db).size + (existsSync(`${ws.db}-wal`) ? statSync(`${ws.db}-wal`).size : 0) > 45 * 1024 * 1024);
    const before = dump(ws.db);

    // '.snapshot': the file copy (a child process of the CLI's, ~50 MB takes the file-copy path);
    // '.stored': the compression.
    for (const marker of ['.snapshot', '.stored']) {
      const { killed, seen } = await killWhen(ws.dir, ws.backups, marker, ['--compress', '1']);
      assert.ok(killed, `the backup finished before ${marker} was seen: ${seen.join(', ')}`);
      // The copy process sees its parent die (its stdin ends), removes its partial file and exits.
      for (let waited = 0; spawnSync('pgrep', ['-f', ws.backups]).status === 0; waited += 20) {
        assert.ok(waited < 5000, 'the copy process outlived the killed CLI');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const listing = parseJson(ws.run('backup', 'list', '--json'));
      for (const backup of listing.backups) assertOk(ws.run('backup', 'verify', backup.id));
      assert.deepEqual(listing.unreadable, []);
      assert.deepEqual(listing.backups, [], 'nothing half-written lists as a backup');
    }

    const result = ws.run('backup', 'create', '--compress', '1', '--json');
    assertOk(result);
    const { backup } = parseJson(result);
    const left = readdirSync(ws.backups).sort();
    assert.deepEqual(left, [backup.file, `${backup.id}.manifest.json`].sort(), 'the temp files of the killed runs are gone');
    assertOk(ws.run('backup', 'verify', backup.id));
    assert.deepEqual(dump(ws.db), before);
  });
});

describe('--backup-check full', () => {
  test('a database damaged inside an index: migrate with --backup-check full (or "check": "full") stops before any step; the default takes the backup and migrates', () => {
    const ws = applied();
    exec(
      ws.db,
      "CREATE TABLE t (k TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t SELECT printf('key-%05d', i) FROM n; CREATE INDEX t_k ON t(k); PRAGMA wal_checkpoint(TRUNCATE);",
    );
    const bytes = readFileSync(ws.db);
    bytes.write('key-00999', bytes.lastIndexOf(Buffer.from('key-00500')));
    writeFileSync(ws.db, bytes);
    ws.write({ '0002_more.sql': 'CREATE TABLE more (id INTEGER);' });

    const flagged = ws.run('migrate', '--backup-check', 'full');
    assertFailure(flagged, 'BACKUP_FAILED');
    assert.match(output(flagged), /full check.*missing from index/);
    writeFileSync(join(ws.dir, 'strata.config.json'), JSON.stringify({ backup: { check: 'full' } }));
    assertFailure(ws.run('migrate'), 'BACKUP_FAILED');
    assert.deepEqual(userTables(ws.db).includes('more'), false, 'nothing was migrated');

    writeFileSync(join(ws.dir, 'strata.config.json'), JSON.stringify({ backup: { check: 'deep' } }));
    assertFailure(ws.run('migrate'), 'CONFIG_INVALID');
    writeFileSync(join(ws.dir, 'strata.config.json'), '{}');
    assertOk(ws.run('migrate'));
    assert.ok(userTables(ws.db).includes('more'));
    const taken = ws.list()[0]!;
    assert.equal((taken as { check?: string }).check, 'structure');
    assertFailure(ws.run('backup', 'verify', taken.id), 'BACKUP_CORRUPT');
  });
});

describe('bad input', () => {
  test('each is a coded error, a non-zero exit, no stack trace; nothing changes', () => {
    const ws = applied();
    const { id } = ws.create();
    writeFileSync(join(ws.dir, 'taken.db'), 'already here');
    const cases: [string[], string, number][] = [
      [['backup'], 'USAGE', 2],
      [['backup', 'frobnicate'], 'USAGE', 2],
      [['backup', 'verify'], 'USAGE', 2],
      [['backup', 'restore'], 'USAGE', 2],
      [['backup', 'delete'], 'USAGE', 2],
      [['backup', 'list', id], 'USAGE', 2],
      [['backup', 'create', 'extra'], 'USAGE', 2],
      [['backup', 'verify', id, 'extra'], 'USAGE', 2],
      [['backup', 'list', '--to', 'x.db'], 'USAGE', 2],
      [['backup', 'verify', id, '--description', 'x'], 'USAGE', 2],
      [['backup', 'create', '--compress', '10'], 'USAGE', 2],
      [['backup', 'create', '--compress', 'fast'], 'USAGE', 2],
      [['backup', 'create', '--compress', '0'], 'USAGE', 2],
      [['backup', 'create', '--backup-check', 'deep'], 'USAGE', 2],
      [['backup', 'create', '--keep-days', '0'], 'USAGE', 2],
      [['backup', 'create', '--keep-count', '-1'], 'USAGE', 2],
      [['backup', 'create', '--no-such-flag'], 'USAGE', 2],
      [['backup', 'verify', '../x'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'restore', '../x'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'restore', '/etc/passwd'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'restore', `../backups/${id}`], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'delete', '../strata'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'delete', join(ws.backups, id)], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'verify', 'strata.2020-01-01_00-00-00'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'restore', id, '--to', 'taken.db'], 'FILE_EXISTS', 1],
      [['backup', 'create', '--encrypt'], 'BACKUP_KEY_MISSING', 1],
      [['backup', 'create', '--encrypt', '--key-file', 'no-such.key'], 'BACKUP_KEY_MISSING', 1],
      [['backup', 'create', '--encrypt', '--passphrase-env', 'STRATA_TEST_NO_SUCH_VAR'], 'BACKUP_KEY_MISSING', 1],
      [['backup', 'create', '--db', 'missing.db'], 'BACKUP_FAILED', 1],
      [['backup', 'list', '--db', ':memory:'], 'BACKUP_UNSUPPORTED', 1],
    ];
    // A backups folder that is a file, a --to folder that does not exist: coded, not "a bug in Strata".
    writeFileSync(join(ws.dir, 'afile'), 'x');
    cases.push(
      [['backup', 'create', '--backup-dir', 'afile'], 'BACKUP_FAILED', 1],
      [['backup', 'list', '--backup-dir', 'afile'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'prune', '--backup-dir', 'afile'], 'BACKUP_NOT_FOUND', 1],
      [['backup', 'restore', id, '--to', 'no-such-folder/x.db'], 'RESTORE_FAILED', 1],
      [['backup', 'restore', id, '--to', 'afile/x.db'], 'RESTORE_FAILED', 1],
    );
    const before = dump(ws.db);
    const files = readdirSync(ws.backups).sort();
    for (const [args, code, exitCode] of cases) {
      const result = ws.run(...args);
      assertFailure(result, code, exitCode);
      assert.match(result.stderr, new RegExp(`^error ${code}: `, 'm'), args.join(' '));
      assert.deepEqual(dump(ws.db), before, `${args.join(' ')} changed the database`);
      assert.deepEqual(readdirSync(ws.backups).sort(), files, `${args.join(' ')} changed the backups folder`);
    }
    assert.equal(readFileSync(join(ws.dir, 'taken.db'), 'utf8'), 'already here');
    assert.equal(readFileSync(join(ws.dir, 'afile'), 'utf8'), 'x');
    assert.equal(existsSync(join(ws.dir, 'no-such-folder')), false);
    assert.equal(existsSync(join(ws.dir, 'missing.db')), false);

    const unknown = cli(['backup', 'list'], { cwd: ws.dir, env: { DATABASE_URL: 'mongodb://app@localhost/app' } });
    assertFailure(unknown, 'DRIVER_UNSUPPORTED');
    const json = parseJson(ws.run('backup', 'restore', '../x', '--json'));
    assert.equal(json.error.code, 'BACKUP_NOT_FOUND');
  });
});
