/**
 * The conventions users bring from dbmate, Flyway, Prisma and knex (issue 14): --version, help per
 * command from one table, did-you-mean, CI gates and logs, the database named with its source,
 * init, redo, create --timestamp, empty-up warnings and db create/drop. The built CLI runs as a
 * process, on real SQLite files, PostgreSQL and MariaDB.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { COMMANDS, optionsOf, type CommandName } from '../src/cli/command-table.js';
import { parseCommandLine } from '../src/cli/args.js';
import { helpText } from '../src/cli/help-text.js';
import { ROOT, assertFailure, assertOk, cli, describeRun, exec, parseJson, query, tempDir, userTables, writeFiles } from './helpers.js';
import { SERVER_URLS, skipUnlessServer, withMariadb, withPostgres } from './servers.js';

function workspace(files: Record<string, string> = {}) {
  const dir = tempDir('strata-conventions-');
  writeFiles(join(dir, 'migrations'), files);
  return {
    dir,
    db: join(dir, 'strata.db'),
    run: (...args: string[]) => cli(args, { cwd: dir }),
    runEnv: (env: NodeJS.ProcessEnv, ...args: string[]) => cli(args, { cwd: dir, env }),
    write: (more: Record<string, string>) => writeFiles(join(dir, 'migrations'), more),
  };
}

const table = (name: string) => `-- migrate:up\nCREATE TABLE ${name} (id INTEGER PRIMARY KEY, v TEXT);\n-- migrate:down\nDROP TABLE ${name};\n`;

describe('version, help and did-you-mean', () => {
  test('--version and -v print the version in package.json', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const ws = workspace();
    for (const flag of ['--version', '-v']) {
      const result = ws.run(flag);
      assertOk(result);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  test("'strata help COMMAND' prints what 'strata COMMAND --help' prints", () => {
    const ws = workspace();
    for (const command of ['migrate', 'status', 'backfill', 'db']) {
      const viaHelp = ws.run('help', command);
      assertOk(viaHelp);
      assert.equal(viaHelp.stdout, ws.run(command, '--help').stdout);
      assert.match(viaHelp.stdout, new RegExp(`^Usage: strata ${command}`));
    }
    assertFailure(ws.run('help', 'stauts'), 'USAGE', 2);
    assert.match(ws.run('help', 'stauts').stderr, /did you mean 'status'\?/);
  });

  test('a mistyped command suggests the nearest; a mistyped option too; an option of another command says whose it is', () => {
    const ws = workspace();
    const command = ws.run('migarte');
    assertFailure(command, 'USAGE', 2, { hint: true });
    assert.match(command.stderr, /unknown command 'migarte'; did you mean 'migrate'\?/);
    const option = ws.run('migrate', '--dryrun');
    assertFailure(option, 'USAGE', 2, { hint: true });
    assert.match(option.stderr, /unknown option '--dryrun' for strata migrate; did you mean '--dry-run'\?/);
    const foreign = ws.run('log', '--lock-timeout', '5');
    assertFailure(foreign, 'USAGE', 2, { hint: true });
    assert.match(foreign.stderr, /--lock-timeout is not an option of strata log/);
    // Every command that takes the lock lists it (baseline and adopt joined in issue 15, backup in issue 18).
    assert.match(
      foreign.stderr,
      /hint: strata migrate, strata rollback, (strata baseline, )?strata redo, strata repair(, strata backup)?(, strata adopt)? take it/,
    );
  });

  test("each command's help lists only the options it takes", () => {
    const ws = workspace();
    const help = (command: string) => ws.run(command, '--help').stdout;
    assert.doesNotMatch(help('log'), /--lock-timeout|--allow-changed|--backup-dir|--table|--statement-timeout/);
    assert.match(help('log'), /--schema <name> +PostgreSQL: the schema holding the journal/);
    assert.doesNotMatch(help('status'), /--backup-dir|--lock-timeout|--no-backup/);
    assert.doesNotMatch(help('create'), /--db |--schema|--lock-timeout/);
    // backfill walks a table of its own (--on; --table kept as its old spelling), never the ledger's.
    assert.match(help('backfill'), /--on <table> +the table to walk \(also --table\)/);
    assert.doesNotMatch(help('backfill'), /ledger table/);
    // 14 global lines no longer repeat under every command: one line names the common flags.
    assert.match(help('migrate'), /^Every command also takes --json, -q\/--quiet, --verbose, -h\/--help\.$/m);
  });

  test('the command table drives both parsing and help: every option a help lists parses, on that command only', () => {
    for (const command of Object.keys(COMMANDS) as CommandName[]) {
      const text = helpText(command);
      for (const [name, spec] of Object.entries(optionsOf(command))) {
        assert.ok(text.includes(`--${name}`), `${command} --help lists --${name}`);
        const parsed = parseCommandLine([command, `--${name}`, ...(spec.type === 'string' ? ['x'] : [])]);
        assert.equal(parsed.command, command);
      }
    }
    assert.throws(() => parseCommandLine(['status', '--no-backup']), /--no-backup is not an option of strata status/);
    assert.throws(() => parseCommandLine(['backfill', 'n', '--on', 'a', '--table', 'b']), /--table and --on are the same option/);
    assert.equal(parseCommandLine(['backfill', 'n', '--table', 'items']).values.on, 'items');
  });
});

describe('status --exit-code, a gate for CI', () => {
  test('0 up to date, 3 pending, 1 changed or missing; without the flag, 0', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    assert.equal(ws.run('status').code, 0);
    assert.equal(ws.run('status', '--exit-code').code, 3, 'a database that does not exist yet: everything pending');
    assertOk(ws.run('migrate'));
    assert.equal(ws.run('status', '--exit-code').code, 0);
    ws.write({ '0002_b.sql': table('b') });
    const pending = ws.run('status', '--exit-code', '--json');
    assert.equal(pending.code, 3, describeRun(pending));
    assert.equal(parseJson(pending).pending, 1);
    writeFileSync(join(ws.dir, 'migrations', '0001_a.sql'), `${table('a')}-- edited\n`);
    assert.equal(ws.run('status', '--exit-code').code, 1, 'changed');
    assert.equal(ws.run('status').code, 0);
    rmSync(join(ws.dir, 'migrations', '0001_a.sql'));
    assert.equal(ws.run('status', '--exit-code').code, 1, 'missing');
  });

  test('1 when a step failed outside a transaction', () => {
    const ws = workspace({ '0001_half.sql': '-- strata:no-transaction\nCREATE TABLE x (id INTEGER);\nINSERT INTO nope VALUES (1);\n' });
    assertFailure(ws.run('migrate', '--no-backup'), 'MIGRATION_FAILED');
    assert.equal(ws.run('status', '--exit-code').code, 1);
  });
});

describe('output in logs (not a terminal) and --quiet', () => {
  test('a line when each step starts and when it ends, in order', () => {
    const ws = workspace({ '0001_a.sql': table('a'), '0002_b.sql': table('b') });
    const result = ws.run('migrate', '--no-backup');
    assertOk(result);
    const lines = result.stdout.split('\n');
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    const order = [/^\[1\/2\] applying 1_a \.\.\.$/, /^applied {3}1_a \(/, /^\[2\/2\] applying 2_b \.\.\.$/, /^applied {3}2_b \(/].map(at);
    assert.ok(
      order.every((k, i) => k >= 0 && (i === 0 || k > order[i - 1]!)),
      describeRun(result),
    );
    assert.doesNotMatch(result.stdout, /\r|\x1b\[/, 'no terminal control codes in a log');
  });

  test('a slow step prints a progress line while it runs', () => {
    const ws = workspace({
      '0001_slow.ts': 'export async function up(): Promise<void> {\n  await new Promise((resolve) => setTimeout(resolve, 1500));\n}\n',
    });
    const result = ws.runEnv({ STRATA_PROGRESS_INTERVAL_MS: '300' }, 'migrate', '--no-backup');
    assertOk(result);
    assert.match(
      result.stdout,
      /^applying 1_slow \.\.\.\nstill applying 1_slow \(\d+ ms\)\n(still applying 1_slow .*\n)*applied {3}1_slow/m,
      describeRun(result),
    );
  });

  test('a backfill prints a progress line while it runs, never one per batch', () => {
    const ws = workspace();
    exec(
      ws.db,
      `CREATE TABLE items (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0);
      WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40) INSERT INTO items (id) SELECT i FROM k;`,
    );
    const result = ws.runEnv(
      { STRATA_PROGRESS_INTERVAL_MS: '250' },
      'backfill',
      'bump',
      '--on',
      'items',
      '--set',
      'n = n + 1',
      '--batch-size',
      '4',
      '--delay-ms',
      '150',
    );
    assertOk(result);
    const progress = result.stdout.split('\n').filter((line) => /^backfill {2}bump: \d+ \/ 40 rows/.test(line));
    assert.ok(progress.length >= 2 && progress.length < 10, describeRun(result));
    assert.match(result.stdout, /backfilled bump: 40 rows in 10 batches/);
  });

  test('--quiet prints nothing on success, and the error on failure', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    const quiet = ws.run('migrate', '--quiet');
    assertOk(quiet);
    assert.equal(quiet.stdout, '');
    assert.equal(quiet.stderr, '');
    assert.equal(ws.run('status', '-q').stdout, '');
    ws.write({ '0002_bad.sql': 'INSERT INTO nope VALUES (1);' });
    const failed = ws.run('migrate', '-q');
    assertFailure(failed, 'MIGRATION_FAILED');
    assert.equal(failed.stdout, '');
  });

  test('--quiet validate still prints what is wrong', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    assertOk(ws.run('migrate', '--no-backup'));
    writeFileSync(join(ws.dir, 'migrations', '0001_a.sql'), `${table('a')}-- edited\n`);
    const result = ws.run('validate', '-q');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /✗ CHECKSUM_MISMATCH/);
    assert.match(result.stderr, /error VALIDATION_FAILED/);
  });
});

describe('every run names its database and where that came from', () => {
  test('the default, --db, the config file, and DATABASE_URL over the config (said, not silent)', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    assert.match(ws.run('status').stdout, /^database: sqlite:\S*strata\.db \(from default\)$/m);
    assert.match(ws.run('status', '--db', 'flag.db').stdout, /^database: sqlite:\S*flag\.db \(from --db\)$/m);
    assert.match(ws.runEnv({ DATABASE_URL: 'env.db' }, 'status').stdout, /^database: sqlite:\S*env\.db \(from DATABASE_URL\)$/m);
    writeFileSync(join(ws.dir, 'strata.config.json'), JSON.stringify({ db: './data.db' }));
    assert.match(ws.run('migrate', '--no-backup').stdout, /^database: sqlite:\S*data\.db \(from strata\.config\.json\)$/m);
    assert.match(
      ws.runEnv({ DATABASE_URL: 'env.db' }, 'status').stdout,
      /^database: sqlite:\S*env\.db \(from DATABASE_URL, over the "db" in strata\.config\.json\)$/m,
    );
    const json = parseJson(ws.runEnv({ DATABASE_URL: 'env.db' }, 'status', '--json'));
    assert.match(json.database.target, /^sqlite:\S*env\.db$/);
    assert.equal(json.database.source, 'DATABASE_URL, over the "db" in strata.config.json');
    assert.equal(parseJson(ws.run('migrate', '--json')).database.source, 'strata.config.json');
  });

  test('a server URL is named without its password', () => {
    const ws = workspace();
    const result = ws.runEnv({ DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/app' }, 'status');
    assert.match(result.stdout, /^database: postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/app \(from DATABASE_URL\)$/m, describeRun(result));
    assert.doesNotMatch(result.stdout + result.stderr, /s3cret/);
  });
});

describe('dry runs, validate, log and backup list say what is true', () => {
  test('--dry-run prints the steps in the order they would run, code steps included', () => {
    const ws = workspace({
      '0001_a.sql': table('a'),
      '0002_code.ts':
        "export async function up(ctx: { exec(sql: string): Promise<void> }): Promise<void> {\n  await ctx.exec('CREATE TABLE c (id INTEGER)');\n}\n",
      '0003_b.sql': table('b'),
    });
    const result = ws.run('migrate', '--dry-run');
    assertOk(result);
    const headers = result.stdout.split('\n').filter((line) => /^-- (apply|2_code)/.test(line));
    assert.deepEqual(
      headers,
      ['-- apply 1_a', '-- 2_code: a code migration (or an empty one); its SQL is known only when it runs', '-- apply 3_b'],
      describeRun(result),
    );
  });

  test('validate on SQLite names the checks that ran; on a database not created yet, not the integrity checks', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    const before = parseJson(ws.run('validate', '--json'));
    assert.deepEqual(before.checks, ['checksums', 'files', 'order']);
    assertOk(ws.run('migrate', '--no-backup'));
    const after = ws.run('validate');
    assertOk(after);
    assert.match(after.stdout, /is valid \(checksums, files, order, integrity_check, foreign_key_check, migrations' verify\)/);
    assert.match(ws.run('validate', '--help').stdout, /Exit\s+status: 0 valid, 1 not valid/);
  });

  test('strata log with the journal off says how to turn it on', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    assertOk(ws.run('migrate', '--no-backup'));
    const off = ws.run('log');
    assertOk(off);
    assert.match(off.stdout, /the journal is off.*"journal": true in strata\.config\.json, or STRATA_JOURNAL=1/);
    assert.equal(parseJson(ws.run('log', '--json')).journal, 'off');
    ws.write({ '0002_b.sql': table('b') });
    assertOk(ws.runEnv({ STRATA_JOURNAL: '1' }, 'migrate', '--no-backup'));
    const on = ws.runEnv({ STRATA_JOURNAL: '1' }, 'log');
    assertOk(on);
    assert.doesNotMatch(on.stdout, /the journal is off/);
    assert.match(on.stdout, /2_b/);
  });

  test('backup list shows the newest first, in the table and in --json', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    assertOk(ws.run('migrate', '--no-backup'));
    const first = parseJson(ws.run('backup', 'create', '--description', 'first', '--json')).backup.id as string;
    const second = parseJson(ws.run('backup', 'create', '--description', 'second', '--json')).backup.id as string;
    assert.deepEqual(
      parseJson(ws.run('backup', 'list', '--json')).backups.map((b: { id: string }) => b.id),
      [second, first],
    );
    const rows = ws
      .run('backup', 'list')
      .stdout.split('\n')
      .filter((line) => line.startsWith(first) || line.startsWith(second));
    assert.deepEqual(
      rows.map((line) => line.split(/\s+/)[0]),
      [second, first],
    );
    assert.match(ws.run('backup', '--help').stdout, /list \(newest first\)/);
  });
});

describe('init, create --timestamp, empty ups, redo', () => {
  test('init writes the config, the folder and .gitignore lines; it refuses to overwrite; the lines are added once', () => {
    const dir = tempDir('strata-init-');
    writeFileSync(join(dir, '.gitignore'), 'node_modules/');
    const first = cli(['init'], { cwd: dir });
    assertOk(first);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'strata.config.json'), 'utf8')), { db: './strata.db', dir: './migrations' });
    assert.ok(existsSync(join(dir, 'migrations')));
    const ignored = () => readFileSync(join(dir, '.gitignore'), 'utf8').split('\n');
    for (const line of ['node_modules/', 'strata.db', 'strata.db-wal', 'strata.db-shm', 'backups/'])
      assert.ok(ignored().includes(line), `${line} in .gitignore:\n${ignored().join('\n')}`);
    const again = cli(['init'], { cwd: dir });
    assertFailure(again, 'FILE_EXISTS');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'strata.config.json'), 'utf8')), { db: './strata.db', dir: './migrations' });
    rmSync(join(dir, 'strata.config.json'));
    const before = ignored();
    assertOk(cli(['init'], { cwd: dir }));
    assert.deepEqual(ignored(), before, 'no line added twice');
    writeFiles(join(dir, 'migrations'), { '0001_a.sql': table('a') });
    const migrated = cli(['migrate'], { cwd: dir });
    assertOk(migrated);
    assert.match(migrated.stdout, /\(from strata\.config\.json\)/);
  });

  test('init writes strata.config.ts with defineConfig where the project has strata-migrate; the next command loads it', () => {
    const dir = tempDir('strata-init-ts-');
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'strata-migrate'), 'dir');
    const init = cli(['init', '--db', "./it's.db", '--json'], { cwd: dir });
    assertOk(init);
    assert.equal(parseJson(init).format, 'ts');
    const config = readFileSync(join(dir, 'strata.config.ts'), 'utf8');
    assert.match(config, /^import \{ defineConfig \} from 'strata-migrate';$/m);
    assert.match(config, /db: '\.\/it\\'s\.db',/);
    assert.ok(!existsSync(join(dir, 'strata.config.json')));
    writeFiles(join(dir, 'migrations'), { '0001_a.sql': table('a') });
    const migrated = cli(['migrate', '--no-backup'], { cwd: dir });
    assertOk(migrated);
    assert.match(migrated.stdout, /\(from strata\.config\.ts\)/);
    assert.ok(existsSync(join(dir, "it's.db")));
    assertFailure(cli(['init', '--format', 'json'], { cwd: dir }), 'FILE_EXISTS');
    const json = tempDir('strata-init-json-');
    assertOk(cli(['init', '--format', 'json'], { cwd: json }));
    assert.ok(existsSync(join(json, 'strata.config.json')));
    assertFailure(cli(['init', '--format', 'yaml'], { cwd: tempDir('strata-init-bad-') }), 'USAGE', 2);
  });

  test('init --db and --dir: the lines follow the database', () => {
    const dir = tempDir('strata-init-');
    assertOk(cli(['init', '--db', './data/app.db', '--dir', './db/migrations'], { cwd: dir }));
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'strata.config.json'), 'utf8')), { db: './data/app.db', dir: './db/migrations' });
    assert.ok(existsSync(join(dir, 'db', 'migrations')));
    const lines = readFileSync(join(dir, '.gitignore'), 'utf8').split('\n');
    for (const line of ['data/app.db', 'data/app.db-wal', 'data/app.db-shm', 'data/backups/']) assert.ok(lines.includes(line), line);
  });

  test('create --timestamp gives a UTC timestamp version in a sequentially numbered folder', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    const result = ws.run('create', 'add_b', '--timestamp', '--json');
    assertOk(result);
    const { version } = parseJson(result);
    assert.match(version, /^\d{14}$/);
    const now = new Date().toISOString().replace(/\D/g, '').slice(0, 8);
    assert.equal(version.slice(0, 8), now);
    assert.ok(readdirSync(join(ws.dir, 'migrations')).includes(`${version}_add_b.sql`));
    assert.match(ws.run('create', 'add_c').stdout, /created migrations\/\d{14}_add_c\.sql/, 'the folder now continues in timestamps');
  });

  test('migrate warns about an up with no statement (stderr, and warnings in --json)', () => {
    const ws = workspace({ '0001_empty.sql': '-- migrate:up\n\n-- migrate:down\n\n', '0002_a.sql': table('a') });
    const result = ws.run('migrate', '--no-backup');
    assertOk(result);
    assert.match(result.stderr, /^warning: 1_empty has no statement in its up: it is recorded as applied and changes nothing$/m);
    assert.doesNotMatch(result.stderr, /2_a/);
    ws.write({ '0003_empty.sql': '-- nothing yet\n' });
    const json = parseJson(ws.run('migrate', '--no-backup', '--json'));
    assert.deepEqual(json.warnings, ['3_empty has no statement in its up: it is recorded as applied and changes nothing']);
  });

  test('redo rolls back the last migration and applies it again, each half with its backup', () => {
    const ws = workspace({ '0001_a.sql': table('a'), '0002_b.sql': table('b') });
    assertOk(ws.run('migrate', '--no-backup'));
    exec(ws.db, "INSERT INTO b (v) VALUES ('made before the redo')");
    const result = ws.run('redo');
    assertOk(result);
    assert.match(result.stdout, /reverted {2}2_b[\s\S]*applied {3}2_b[\s\S]*redid 2_b/);
    assert.deepEqual(userTables(ws.db), ['a', 'b']);
    assert.deepEqual(query(ws.db, 'SELECT * FROM b'), [], 'b was dropped and created again');
    const backups = parseJson(ws.run('backup', 'list', '--json')).backups as { description: string }[];
    assert.deepEqual(
      backups.map((b) => b.description),
      ['before migrate: 2_b', 'before rollback: 2_b'],
    );
    assertOk(ws.run('redo', '--no-backup'));
    assert.equal(parseJson(ws.run('backup', 'list', '--json')).backups.length, 2, '--no-backup takes none');
  });
});

describe('strata db create / drop on SQLite', () => {
  test('create makes the file; drop needs --force and removes it with its -wal and -shm', () => {
    const ws = workspace({ '0001_a.sql': table('a') });
    const created = ws.run('db', 'create');
    assertOk(created);
    assert.match(created.stdout, /^created sqlite:\S*strata\.db$/m);
    assert.ok(existsSync(ws.db));
    assert.match(ws.run('db', 'create').stdout, /already exists; nothing to create/);
    assertOk(ws.run('migrate', '--no-backup'));
    writeFileSync(`${ws.db}-wal`, '');
    writeFileSync(`${ws.db}-shm`, '');
    const refused = ws.run('db', 'drop');
    assertFailure(refused, 'USAGE', 2, { hint: true });
    assert.match(refused.stderr, /needs --force/);
    assert.ok(existsSync(ws.db));
    const dropped = ws.run('db', 'drop', '--force', '--json');
    assertOk(dropped);
    assert.equal(parseJson(dropped).dropped, true);
    for (const file of [ws.db, `${ws.db}-wal`, `${ws.db}-shm`]) assert.equal(existsSync(file), false, file);
    assert.match(ws.run('db', 'drop', '--force').stdout, /does not exist; nothing to drop/);
    assertFailure(ws.run('db', 'create', '--force'), 'USAGE', 2);
    assertFailure(ws.run('db', 'create', '--db', ':memory:'), 'USAGE', 2);
  });
});

for (const kind of ['postgres', 'mariadb'] as const) {
  describe(`strata db create / drop, validate on ${kind}`, { skip: await skipUnlessServer(kind) }, () => {
    const name = `strata_cli_db_${process.pid}_${Date.now().toString(36)}`;
    const url = new URL(SERVER_URLS[kind]);
    url.pathname = `/${name}`;
    const exists = async () =>
      kind === 'postgres'
        ? withPostgres(async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1)
        : withMariadb(
            async (conn) => ((await conn.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]))[0] as unknown[]).length === 1,
          );
    after(async () => {
      if (kind === 'postgres') await withPostgres((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      else await withMariadb((conn) => conn.query(`DROP DATABASE IF EXISTS \`${name}\``));
    });

    test('create, migrate into it, validate naming only the checks that ran, then drop with --force', async () => {
      const ws = workspace({ '0001_a.sql': table('a') });
      const run = (...args: string[]) => ws.runEnv({ DATABASE_URL: url.toString() }, ...args);
      assert.equal(await exists(), false);
      const created = run('db', 'create');
      assertOk(created);
      assert.match(created.stdout, new RegExp(`^created .*/${name}$`, 'm'));
      assert.equal(await exists(), true);
      assert.match(run('db', 'create').stdout, /already exists; nothing to create/);
      assertOk(run('migrate', '--no-backup'));
      const validated = run('validate');
      assertOk(validated);
      assert.doesNotMatch(validated.stdout, /integrity_check|foreign_key_check/);
      assert.match(validated.stdout, kind === 'postgres' ? /constraints left NOT VALID, invalid indexes/ : /rows breaking a foreign key/);
      assertFailure(run('db', 'drop'), 'USAGE', 2);
      assert.equal(await exists(), true);
      const dropped = run('db', 'drop', '--force');
      assertOk(dropped);
      assert.equal(await exists(), false);
      assert.match(run('db', 'drop', '--force').stdout, /does not exist; nothing to drop/);
    });
  });
}
