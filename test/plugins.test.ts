/**
 * The Migrator's plugin slot on real SQLite files: inspect sees the plan before anything runs and
 * can stop it (nothing touched, not even the ledger or the lock file), warnings are an event,
 * onEvent hears every event of the channel, onStatus adds fields, onClose runs once. And advice
 * as data: `next` on errors, through the API and the CLI's --json.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator, StrataError, type InspectedPlan, type MigratorPlugin, type PlanFinding, type SqlContext, type StrataEventName } from '../src/index.js';
import { EventChannel } from '../src/events.js';
import { commandLine } from '../src/model/next-command.js';
import { assertFailure, assertOk, cli, ledger, parseJson, rejectsWith, snapshot, tempDir, userTables, writeFiles } from './helpers.js';

const USERS = '-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n';
const POSTS =
  '-- migrate:up\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n\nDROP TABLE users; -- strata-ignore sqlite/drop-table: these tests count drops with plugins of their own\n-- migrate:down\nCREATE TABLE users (id INTEGER PRIMARY KEY);\nDROP TABLE posts;\n';

function project(files: Record<string, string> = { '0001_users.sql': USERS, '0002_posts.sql': POSTS }) {
  const dir = tempDir('strata-plugins-');
  const migrations = join(dir, 'migrations');
  writeFiles(migrations, files);
  return { dir, db: join(dir, 'app.db'), migrations };
}

/** A linter's shape: one finding per `DROP TABLE`, with the file and line it is on. */
function noDrops(severity: PlanFinding['severity'], seen: InspectedPlan<SqlContext>[] = []): MigratorPlugin<SqlContext> {
  return {
    name: 'no-drops',
    inspect(plan) {
      seen.push(plan);
      return plan.steps.flatMap((step) =>
        step.body.kind === 'sql'
          ? step.body.statements
              .filter((s) => /^DROP TABLE/i.test(s.sql))
              .map((s) => ({
                severity,
                rule: 'no-drop-table',
                message: `drops a table: ${s.sql}`,
                version: step.version,
                file: step.file,
                line: s.line,
                statement: s.index,
              }))
          : [],
      );
    },
  };
}

describe('inspect', () => {
  it('sees every step with its statements, files and lines before the run, dry runs included', async () => {
    const p = project();
    const seen: InspectedPlan<SqlContext>[] = [];
    const migrator = createMigrator({ db: p.db, dir: p.migrations, plugins: [noDrops('warning', seen)] });
    await migrator.migrate({ dryRun: true });
    assert.equal(existsSync(p.db), false, 'a dry run creates nothing');
    await migrator.migrate();
    await migrator.rollback();
    await migrator.close();
    assert.deepEqual(
      seen.map((plan) => [plan.direction, plan.dryRun, plan.steps.map((s) => s.version)]),
      [
        ['up', true, ['1', '2']],
        ['up', false, ['1', '2']],
        ['down', false, ['2']],
      ],
    );
    const posts = seen[0]!.steps[1]!;
    // Origins are shown relative to the working directory, as in every message.
    assert.equal(posts.file, relative(process.cwd(), join(p.migrations, '0002_posts.sql')));
    assert.equal(posts.origin, posts.file);
    assert.equal(posts.body.kind, 'sql');
    assert.deepEqual(posts.body.kind === 'sql' && posts.body.statements.map((s) => [s.index, s.line, s.sql]), [
      [1, 2, 'CREATE TABLE posts (id INTEGER PRIMARY KEY)'],
      [2, 4, 'DROP TABLE users'],
    ]);
    assert.equal(seen[0]!.target, `sqlite:${relative(process.cwd(), p.db)}`);
    const down = seen[2]!.steps[0]!;
    assert.deepEqual(down.body.kind === 'sql' && down.body.statements.map((s) => s.sql), ['CREATE TABLE users (id INTEGER PRIMARY KEY)', 'DROP TABLE posts']);
  });

  it('an error finding stops migrate before the lock is taken or anything is created', async () => {
    const p = project();
    let ran = false;
    const migrator = createMigrator({ db: p.db, dir: p.migrations, plugins: [noDrops('error')] });
    migrator.on('migrating', () => (ran = true));
    migrator.on('lock:acquired', () => (ran = true));
    const error = await rejectsWith(migrator.migrate(), 'PLAN_REJECTED', /0002_posts\.sql:4: drops a table: DROP TABLE users \(no-drops\/no-drop-table\)/);
    await migrator.close();
    assert.equal(ran, false);
    assert.deepEqual(readdirSync(p.dir).sort(), ['migrations'], 'no database file, no lock file');
    assert.deepEqual(error.details.findings, [
      {
        severity: 'error',
        rule: 'no-drop-table',
        message: 'drops a table: DROP TABLE users',
        version: '2',
        file: relative(process.cwd(), join(p.migrations, '0002_posts.sql')),
        line: 4,
        statement: 2,
        plugin: 'no-drops',
      },
    ]);
  });

  it('an error finding on an existing database leaves it exactly as it was, ledger included', async () => {
    const p = project({ '0001_users.sql': USERS });
    const plain = createMigrator({ db: p.db, dir: p.migrations });
    await plain.migrate();
    await plain.close();
    writeFiles(p.migrations, { '0002_posts.sql': POSTS });
    const before = snapshot(p.db);
    const migrator = createMigrator({ db: p.db, dir: p.migrations, plugins: [noDrops('error')] });
    await rejectsWith(migrator.migrate(), 'PLAN_REJECTED');
    await rejectsWith(migrator.migrate({ dryRun: true }), 'PLAN_REJECTED');
    await migrator.close();
    assert.deepEqual(snapshot(p.db), before);
    assert.deepEqual(
      ledger(p.db).map((r) => r.version),
      ['1'],
    );
  });

  it('an error finding stops a rollback before anything is reverted', async () => {
    const p = project();
    const plain = createMigrator({ db: p.db, dir: p.migrations });
    await plain.migrate();
    await plain.close();
    const migrator = createMigrator({ db: p.db, dir: p.migrations, plugins: [noDrops('error')] });
    await rejectsWith(migrator.rollback(), 'PLAN_REJECTED', /0002_posts\.sql:7: drops a table: DROP TABLE posts/);
    await migrator.close();
    assert.deepEqual(
      ledger(p.db).map((r) => r.version),
      ['1', '2'],
    );
    assert.deepEqual(userTables(p.db), ['posts']);
  });

  it('warnings are emitted as plan:warnings and the run goes on', async () => {
    const p = project();
    const migrator = createMigrator({ db: p.db, dir: p.migrations, plugins: [noDrops('warning')] });
    const warnings: { direction: string; dryRun: boolean; warnings: PlanFinding[] }[] = [];
    migrator.on('plan:warnings', (e) => warnings.push(e));
    const report = await migrator.migrate();
    await migrator.close();
    assert.deepEqual(
      report.results.map((r) => r.status),
      ['applied', 'applied'],
    );
    assert.equal(warnings.length, 1);
    assert.deepEqual(
      warnings[0]!.warnings.map((w) => [w.plugin, w.rule, w.line, w.severity]),
      [['no-drops', 'no-drop-table', 4, 'warning']],
    );
    assert.equal(warnings[0]!.direction, 'up');
  });

  it('a plugin without a name is refused when it is attached', () => {
    const p = project();
    assert.throws(
      () => createMigrator({ db: p.db, dir: p.migrations, plugins: [{ name: '' }] }),
      (error: unknown) => error instanceof StrataError && error.code === 'USAGE',
    );
  });
});

describe('onEvent, onStatus, onClose', () => {
  it('onEvent hears every event of the channel, in order, those of other layers included', async () => {
    const p = project();
    const heard: string[] = [];
    const listened: string[] = [];
    const migrator = createMigrator({ db: p.db, dir: p.migrations, plugins: [{ name: 'ear', onEvent: (event) => heard.push(event) }] });
    const names: StrataEventName[] = [
      'lock:waiting',
      'lock:acquired',
      'plan',
      'plan:warnings',
      'statement',
      'migrating',
      'migrated',
      'reverting',
      'reverted',
      'failed',
      'backup',
      'backup:progress',
      'restore',
      'done',
    ];
    for (const name of names) migrator.events.on(name as 'plan', () => listened.push(name));
    await migrator.migrate();
    await migrator.rollback();
    // A backfill inside a migration reports on the migrator's channel: plugins hear it too.
    (migrator.events as unknown as EventChannel).emit('backfill:start', { name: 'b', table: 't', done: 0, total: 0, resumed: false, lastKey: null });
    await migrator.close();
    assert.deepEqual(heard, [...listened, 'backfill:start']);
    assert.ok(heard.includes('statement') && heard.includes('lock:acquired') && heard.includes('reverted'), heard.join(' '));
  });

  it('onStatus adds fields after the report own; a field the report has is refused', async () => {
    const p = project();
    const migrator = createMigrator({
      db: p.db,
      dir: p.migrations,
      plugins: [{ name: 'extra', onStatus: (report) => ({ extra: { pending: report.pending } }) }],
    });
    const status = (await migrator.status()) as Awaited<ReturnType<typeof migrator.status>> & { extra: { pending: number } };
    assert.deepEqual(status.extra, { pending: 2 });
    assert.deepEqual(Object.keys(status), ['target', 'exists', 'currentVersion', 'migrations', 'pending', 'problems', 'extra']);
    await migrator.close();
    const clash = createMigrator({ db: p.db, dir: p.migrations, plugins: [{ name: 'clash', onStatus: () => ({ pending: 0 }) }] });
    await rejectsWith(clash.status(), 'USAGE', /plugin clash adds pending to the status report/);
    await clash.close();
  });

  it('onClose runs once, for every plugin, even when one of them fails', async () => {
    const p = project();
    const closed: string[] = [];
    const migrator = createMigrator({
      db: p.db,
      dir: p.migrations,
      plugins: [
        { name: 'a', onClose: () => void closed.push('a') },
        {
          name: 'b',
          onClose: () => {
            closed.push('b');
            throw new Error('b cannot close');
          },
        },
        { name: 'c', onClose: async () => void closed.push('c') },
      ],
    });
    await migrator.migrate();
    await assert.rejects(migrator.close(), /b cannot close/);
    await migrator.close();
    assert.deepEqual(closed, ['a', 'b', 'c']);
  });

  it('use() attaches a plugin after construction', async () => {
    const p = project();
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const events: string[] = [];
    migrator.use({ name: 'late', onEvent: (event) => events.push(event) });
    await migrator.migrate({ dryRun: true });
    await migrator.close();
    assert.deepEqual(
      events.filter((e) => e !== 'statement'),
      ['plan', 'done'],
    );
  });
});

describe('EventChannel', () => {
  it('onAny hears every name, and has() says someone listens', () => {
    const events = new EventChannel();
    assert.equal(events.has('import:progress'), false);
    const heard: [string, unknown][] = [];
    const off = events.onAny((name, payload) => heard.push([name, payload]));
    assert.equal(events.has('import:progress'), true);
    events.emit('import:progress', { id: 'a', name: 'A', done: 1, total: 2 });
    off();
    events.emit('import:progress', { id: 'a', name: 'A', done: 2, total: 2 });
    assert.deepEqual(heard, [['import:progress', { id: 'a', name: 'A', done: 1, total: 2 }]]);
    assert.equal(events.has('import:progress'), false);
  });
});

describe('next: advice as data', () => {
  it('a step that stops part-way outside a transaction names resume and both repairs', async () => {
    const p = project({ '0001_half.sql': '-- strata:no-transaction\nCREATE TABLE half (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n' });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED');
    assert.deepEqual(error.next, [
      { command: 'migrate', args: ['--resume'] },
      { command: 'repair', args: ['1', '--applied'] },
      { command: 'repair', args: ['1', '--rolled-back'] },
    ]);
    for (const next of error.next) assert.ok(error.hint!.includes(`'${commandLine(next)}'`), `${error.hint} names ${commandLine(next)}`);
    assert.deepEqual((error.toJSON() as { next: unknown }).next, error.next);
    const status = await migrator.status();
    assert.deepEqual(status.problems[0]!.next, error.next);
    await migrator.close();
  });

  it('a rolled-back step says to run the command again; an error without advice has next: []', async () => {
    const p = project({ '0001_bad.sql': 'CREATE TABLE ok (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n' });
    const migrator = createMigrator({ db: p.db, dir: p.migrations });
    const error = await rejectsWith(migrator.migrate(), 'MIGRATION_FAILED');
    assert.deepEqual(error.next, [{ command: 'migrate', args: [] }]);
    assert.match(error.hint ?? '', /fix it and run 'strata migrate' again/);
    await migrator.close();
    const plain = new StrataError('USAGE', 'plain');
    assert.deepEqual(plain.next, []);
    assert.equal('next' in plain.toJSON(), false);
  });

  it('the CLI prints the hint as before, and --json errors carry next', () => {
    const p = project({ '0001_users.sql': USERS });
    assertOk(cli(['migrate', '--db', p.db, '--dir', p.migrations], { cwd: p.dir }));
    const text = cli(['repair', '1', '--applied', '--db', p.db, '--dir', p.migrations], { cwd: p.dir });
    assertFailure(text, 'NOTHING_TO_REPAIR');
    assert.match(text.stderr, /hint: 'strata status' shows which steps are failed or running/);
    const json = cli(['repair', '1', '--applied', '--db', p.db, '--dir', p.migrations, '--json'], { cwd: p.dir });
    const body = parseJson<{ error: { code: string; hint: string; next: unknown } }>(json);
    assert.equal(body.error.code, 'NOTHING_TO_REPAIR');
    assert.deepEqual(body.error.next, [{ command: 'status', args: [] }]);
  });
});
