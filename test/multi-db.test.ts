/**
 * Multi-database projects (issue 7, seed 002: one app, several SQLite files): one config names the
 * databases; the built CLI runs against real files in a temp folder.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, cli, describeRun, ledger, parseJson, tempDir, userTables, writeFiles } from './helpers.js';

function tableMigration(name: string): string {
  return `-- migrate:up\nCREATE TABLE ${name} (id INTEGER PRIMARY KEY, v TEXT);\n-- migrate:down\nDROP TABLE ${name};\n`;
}

const NAMES = ['knowledge', 'memory', 'tasks'] as const;

/**
 * A project with three databases in their own folders (data/<name>/<name>.db), migrations in
 * migrations/<name>/, and `config` merged into the strata.config.json written.
 */
function project(options: { config?: Record<string, unknown>; databases?: Record<string, Record<string, unknown>>; files?: Record<string, string> } = {}) {
  const dir = tempDir('strata-multi-');
  const databases: Record<string, Record<string, unknown>> = {};
  const files: Record<string, string> = {};
  for (const name of NAMES) {
    databases[name] = { db: `./data/${name}/felix_${name}.db`, dir: `./migrations/${name}`, ...options.databases?.[name] };
    files[`migrations/${name}/0001_${name}_a.sql`] = tableMigration(`${name}_a`);
    files[`migrations/${name}/0002_${name}_b.sql`] = tableMigration(`${name}_b`);
    files[`data/${name}/.keep`] = '';
  }
  writeFiles(dir, { ...files, ...options.files, 'strata.config.json': JSON.stringify({ backup: { keepDays: 30 }, ...options.config, databases }) });
  return {
    dir,
    db: (name: string) => join(dir, 'data', name, `felix_${name}.db`),
    backups: (name: string) => {
      const folder = join(dir, 'data', name, 'backups');
      return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.manifest.json')) : [];
    },
    run: (...args: string[]) => cli(args, { cwd: dir }),
  };
}

/** Gives each database one applied migration so the next migrate has something to back up. */
function seedFirstMigration(p: ReturnType<typeof project>): void {
  for (const name of NAMES) assertOk(p.run('migrate', '--database', name, '--to', '1'));
}

describe('multi-database projects', () => {
  test('status shows every database, in config order, each under its own heading', () => {
    const p = project();
    assertOk(p.run('migrate', '--database', 'memory'));
    const result = p.run('status');
    assertOk(result);
    const headings = [...result.stdout.matchAll(/^== (\S+) ==$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, ['knowledge', 'memory', 'tasks'], describeRun(result));
    const sections = result.stdout.split(/^== \S+ ==$/m).slice(1);
    assert.match(sections[0]!, /2 pending/);
    assert.match(sections[1]!, /2 applied/);
    assert.match(sections[1]!, /current version 2/);
    assert.match(sections[2]!, /2 pending/);
    assert.doesNotMatch(sections[0]!, /memory_a/);
  });

  test('migrate runs every database with its own ledger and its own backups folder', () => {
    const p = project();
    seedFirstMigration(p);
    const result = p.run('migrate');
    assertOk(result);
    for (const name of NAMES) {
      assert.deepEqual(userTables(p.db(name)), [`${name}_a`, `${name}_b`], describeRun(result));
      assert.deepEqual(
        ledger(p.db(name)).map((r) => `${r.version}_${r.name}`),
        [`1_${name}_a`, `2_${name}_b`],
      );
      // The pre-migration backup of this run, beside this database and of this database only.
      const manifests = p.backups(name);
      assert.equal(manifests.length, 1, `${name}: ${manifests.join(', ')}`);
      assert.match(manifests[0]!, new RegExp(`^felix_${name}\\.`));
    }
    assert.match(result.stdout, /databases: knowledge succeeded, memory succeeded, tasks succeeded/);
    // Each database has its own lock file, beside it.
    for (const name of NAMES) assert.ok(existsSync(`${p.db(name)}.strata-lock`), name);
  });

  test('--database picks databases (repeatable or a comma list); the others are untouched', () => {
    const p = project();
    assertOk(p.run('migrate', '--database', 'tasks'));
    assert.deepEqual(userTables(p.db('tasks')), ['tasks_a', 'tasks_b']);
    assert.ok(!existsSync(p.db('knowledge')) && !existsSync(p.db('memory')));

    const status = p.run('status', '--database', 'tasks,knowledge', '--json');
    assertOk(status);
    // Config order, not the order asked.
    assert.deepEqual(
      parseJson(status).databases.map((d: { name: string; currentVersion: string | null }) => [d.name, d.currentVersion]),
      [
        ['knowledge', null],
        ['tasks', '2'],
      ],
    );

    assertOk(p.run('migrate', '--database', 'knowledge', '--database', 'memory'));
    for (const name of NAMES) assert.equal(ledger(p.db(name)).length, 2, name);
  });

  test('a failure in the second database stops the run: the third is not started, exit 1', () => {
    const p = project({ files: { 'migrations/memory/0003_bad.sql': '-- migrate:up\nCREATE TABLE nope (;\n' } });
    const result = p.run('migrate');
    assertFailure(result, 'MIGRATION_FAILED');
    assert.match(result.stderr, /0003_bad\.sql/);
    assert.match(result.stderr, /stopped at memory \(not started: tasks\)/);
    assert.match(result.stdout, /databases: knowledge succeeded, memory FAILED, tasks not run/);
    assert.match(result.stdout, /== tasks ==\nnot run: memory failed before it/);
    assert.equal(ledger(p.db('knowledge')).length, 2);
    // memory: its good steps applied, the bad one rolled back (the ledger may record the attempt, not as applied).
    assert.deepEqual(
      ledger(p.db('memory'))
        .filter((r) => r.status === 'applied')
        .map((r) => r.version),
      ['1', '2'],
    );
    assert.ok(!userTables(p.db('memory')).includes('nope'));
    assert.ok(!existsSync(p.db('tasks')), 'tasks must not even be opened');

    const json = p.run('migrate', '--json');
    assert.equal(json.code, 1, describeRun(json));
    const report = parseJson(json);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.databases.map((d: { name: string; status: string }) => [d.name, d.status]),
      [
        ['knowledge', 'succeeded'],
        ['memory', 'failed'],
        ['tasks', 'not-run'],
      ],
    );
    assert.equal(report.databases[1].error.code, 'MIGRATION_FAILED');
    assert.equal(report.error.database, 'memory');
    assert.equal(report.error.code, 'MIGRATION_FAILED');
    assert.ok(!existsSync(p.db('tasks')));
  });

  test('rollback, repair, create and backup need --database when there are several', () => {
    const p = project();
    assertOk(p.run('migrate'));
    for (const args of [['rollback'], ['repair', '--checksums'], ['create', 'add_x'], ['backup', 'list']]) {
      const result = p.run(...args);
      assertFailure(result, 'USAGE', 2, { hint: true });
      assert.match(
        result.stderr,
        new RegExp(`strata ${args[0]} works on one database at a time, and .*names 3: knowledge, memory, tasks`),
        describeRun(result),
      );
      assert.match(result.stderr, /hint: pick one with --database NAME/);
    }
    for (const name of NAMES) assert.equal(ledger(p.db(name)).length, 2, `${name} must be untouched`);
    assertFailure(p.run('rollback', '--database', 'knowledge,memory'), 'USAGE', 2);

    const rolled = p.run('rollback', '--database', 'memory');
    assertOk(rolled);
    assert.deepEqual(userTables(p.db('memory')), ['memory_a']);
    assert.equal(ledger(p.db('knowledge')).length, 2);
    assert.equal(ledger(p.db('tasks')).length, 2);

    assertOk(p.run('create', 'add_notes', '--database', 'tasks'));
    assert.ok(readdirSync(join(p.dir, 'migrations', 'tasks')).includes('0003_add_notes.sql'));
    const list = p.run('backup', 'list', '--database', 'memory', '--json');
    assertOk(list);
    assert.ok(parseJson(list).backups.every((b: { source: string }) => b.source.includes('felix_memory.db')));
    assert.equal(parseJson(list).backups.length, 1);
  });

  test('an unknown database name is a usage error naming the nearest and listing all', () => {
    const p = project();
    const result = p.run('status', '--database', 'knowlege');
    assertFailure(result, 'USAGE', 2, { hint: true });
    assert.match(result.stderr, /unknown database 'knowlege'; did you mean 'knowledge'\?/);
    assert.match(result.stderr, /hint: the databases in .*strata\.config\.json: knowledge, memory, tasks/);
    const far = p.run('migrate', '--database', 'zzzzzzzz');
    assertFailure(far, 'USAGE', 2);
    assert.doesNotMatch(far.stderr, /did you mean/);
    for (const name of NAMES) assert.ok(!existsSync(p.db(name)), 'nothing may run');

    // --database in a project that names no databases.
    const single = tempDir('strata-multi-single-');
    writeFiles(single, { 'migrations/0001_a.sql': tableMigration('a') });
    assertFailure(cli(['migrate', '--database', 'x'], { cwd: single }), 'USAGE', 2);
    assert.ok(!existsSync(join(single, 'strata.db')));
  });

  test('config errors in a database entry name the entry and suggest the nearest key', () => {
    const p = project({ databases: { memory: { tabel: 'x' } } });
    const result = p.run('status');
    assertFailure(result, 'CONFIG_INVALID');
    assert.match(result.stderr, /databases\.memory: unknown setting "tabel"; did you mean "table"\?/);

    const missing = project({ databases: { tasks: { db: undefined } } });
    const noDb = missing.run('status');
    assertFailure(noDb, 'CONFIG_INVALID');
    assert.match(noDb.stderr, /databases\.tasks has no "db"/);

    const same = project({ databases: { tasks: { db: './data/memory/felix_memory.db' } } });
    assert.match(same.run('status').stderr, /databases "memory" and "tasks" name the same database and ledger table/);

    assert.match(project({ config: { database: {} } }).run('status').stderr, /unknown setting "database"; did you mean "databases"\?/);
  });

  test('top-level settings are defaults; an entry overrides them (table, backup, placeholders)', () => {
    const p = project({
      config: { table: 'schema_version', backup: { keepDays: 30, keepCount: 5 }, placeholders: { suffix: '_top' } },
      databases: {
        knowledge: { table: 'knowledge_versions', backup: { dir: './kb-backups' } },
        memory: { backup: false, placeholders: { suffix: '_own' } },
      },
      files: {
        'migrations/memory/0003_named.sql': '-- migrate:up\nCREATE TABLE named${suffix} (id INTEGER);\n',
        'migrations/tasks/0003_named.sql': '-- migrate:up\nCREATE TABLE named${suffix} (id INTEGER);\n',
      },
    });
    seedFirstMigration(p);
    assertOk(p.run('migrate'));
    // table: knowledge's own, the others inherit the top-level one.
    assert.equal(ledger(p.db('knowledge'), 'knowledge_versions').length, 2);
    assert.equal(ledger(p.db('knowledge'), 'schema_version').length, 0);
    assert.equal(ledger(p.db('memory'), 'schema_version').length, 3);
    assert.equal(ledger(p.db('tasks'), 'schema_version').length, 3);
    assert.equal(ledger(p.db('tasks')).length, 0, 'no default ledger table');
    // placeholders: memory's value wins, tasks inherits.
    assert.ok(userTables(p.db('memory')).includes('named_own'));
    assert.ok(userTables(p.db('tasks')).includes('named_top'));
    // backup: knowledge's dir (relative to the config file) merged over keepDays/keepCount; memory off; tasks the default folder.
    assert.equal(readdirSync(join(p.dir, 'kb-backups')).filter((f) => f.endsWith('.manifest.json')).length, 1);
    assert.equal(p.backups('knowledge').length, 0);
    assert.equal(p.backups('memory').length, 0);
    assert.equal(p.backups('tasks').length, 1);
    // Flags apply to every selected database; --db only with one.
    assertFailure(p.run('status', '--db', './other.db'), 'USAGE', 2);
    assertOk(p.run('status', '--database', 'tasks', '--db', './data/tasks/felix_tasks.db'));
  });

  test('--json: { databases: [{ name, ...report }] } for status, migrate and validate', () => {
    const p = project();
    const migrated = p.run('migrate', '--json');
    assertOk(migrated);
    const report = parseJson(migrated);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.databases.map((d: { name: string; status: string; currentVersion: string; results: unknown[] }) => [
        d.name,
        d.status,
        d.currentVersion,
        d.results.length,
      ]),
      NAMES.map((name) => [name, 'succeeded', '2', 2]),
    );

    const status = parseJson(p.run('status', '--json'));
    assert.deepEqual(Object.keys(status), ['databases']);
    for (const [i, name] of NAMES.entries()) {
      assert.equal(status.databases[i].name, name);
      assert.match(status.databases[i].target, new RegExp(`felix_${name}\\.db`));
      assert.deepEqual(
        status.databases[i].migrations.map((m: { state: string }) => m.state),
        ['applied', 'applied'],
      );
    }

    const valid = p.run('validate', '--json');
    assertOk(valid);
    assert.equal(parseJson(valid).ok, true);
    assert.deepEqual(
      parseJson(valid).databases.map((d: { name: string; ok: boolean }) => [d.name, d.ok]),
      NAMES.map((name) => [name, true]),
    );
  });

  test('validate checks every database and fails if any one is invalid; status goes on after one that cannot be read', () => {
    const p = project();
    assertOk(p.run('migrate'));
    writeFiles(p.dir, { 'migrations/knowledge/0001_knowledge_a.sql': tableMigration('edited') });
    const result = p.run('validate');
    assertFailure(result, 'VALIDATION_FAILED', 1, { hint: false });
    assert.match(result.stderr, /1 of 3 database\(s\) are not valid: knowledge/);
    assert.match(result.stdout, /== tasks ==\ndatabase: sqlite:\S*felix_tasks.db \(from strata.config.json, databases.tasks\)\n.*is valid/);

    writeFiles(p.dir, {
      'strata.config.json': JSON.stringify({
        databases: {
          ...Object.fromEntries(NAMES.map((n) => [n, { db: `./data/${n}/felix_${n}.db`, dir: `./migrations/${n}` }])),
          memory: { db: './data/memory/felix_memory.db', dir: './nowhere' },
        },
      }),
    });
    const status = p.run('status', '--json');
    assert.equal(status.code, 1, describeRun(status));
    const names = parseJson(status).databases.map((d: { name: string; error?: { code: string } }) => [d.name, d.error?.code]);
    assert.deepEqual(names, [
      ['knowledge', undefined],
      ['memory', 'MIGRATIONS_DIR_MISSING'],
      ['tasks', undefined],
    ]);
  });

  test('a single-database config still works without headings or the databases wrapper', () => {
    const dir = tempDir('strata-multi-single-');
    writeFiles(dir, { 'migrations/0001_a.sql': tableMigration('a'), 'strata.config.json': JSON.stringify({ db: './app.db', dir: './migrations' }) });
    const migrated = cli(['migrate'], { cwd: dir });
    assertOk(migrated);
    assert.doesNotMatch(migrated.stdout, /==|databases:/);
    const status = parseJson(cli(['status', '--json'], { cwd: dir }));
    assert.equal(status.databases, undefined);
    assert.equal(status.currentVersion, '1');
    assertOk(cli(['rollback'], { cwd: dir }));
  });
});
