/**
 * The migration linter: files as the rules see them, strata-ignore comments, severities from
 * config, the schema before each file (from the database, or the folder's earlier files), the
 * `strata lint` CLI (text, --json, SARIF, exit codes, other tools' folders), and migrate refusing
 * on an error finding with the database untouched. The drizzle-kit rebuild of a table that
 * children reference with ON DELETE CASCADE is reproduced on real SQLite files, both ways.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator } from '../src/index.js';
import { lintFileOf } from '../src/lint/lint-source.js';
import { lintSequence, ruleSeverities } from '../src/lint/linter.js';
import { LINT_RULES } from '../src/lint/rules/index.js';
import { assertFailure, cli, exec, parseJson, query, rejectsWith, snapshot, tempDir, writeFiles } from './helpers.js';

const lint = (text: string, options: { setup?: string; runtime?: 'd1'; rules?: Record<string, 'error' | 'warn' | 'off'> } = {}) =>
  lintSequence(
    [
      ...(options.setup ? [{ path: 'setup.sql', text: options.setup, family: 'sqlite' as const, replayOnly: true }] : []),
      { path: 'm.sql', text, family: 'sqlite' as const, ...(options.runtime ? { runtime: options.runtime } : {}) },
    ],
    { start: { kind: 'empty' }, severities: ruleSeverities(options.rules) },
  ).then((r) => r.findings);

const USERS_POSTS =
  'CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT);\n';

describe('lint files', () => {
  it('cuts a file into sections and statements with lines, columns, comment-free text and transactions', () => {
    const file = lintFileOf({
      path: 'x.sql',
      family: 'sqlite',
      text: '-- migrate:up\nCREATE TABLE a (id INTEGER); -- trailing\n  /* why */ INSERT INTO a\n  VALUES (1);\n-- migrate:down\nDROP TABLE a;\n',
    });
    assert.equal(file.transaction, true);
    assert.deepEqual(
      file.up.map((s) => [s.line, s.column, s.normalized, s.inTransaction]),
      [
        [2, 1, 'CREATE TABLE a (id INTEGER)', true],
        [3, 13, 'INSERT INTO a VALUES (1)', true],
      ],
    );
    assert.deepEqual(
      file.down?.map((s) => [s.line, s.sql]),
      [[6, 'DROP TABLE a']],
    );
    const manual = lintFileOf({
      path: 'y.sql',
      family: 'sqlite',
      text: '-- strata:no-transaction\nVACUUM;\nBEGIN;\nDELETE FROM t WHERE id = 1;\nCOMMIT;\nVACUUM;\n',
    });
    assert.equal(manual.transaction, false);
    assert.deepEqual(
      manual.up.map((s) => s.inTransaction),
      [false, true, true, true, false],
    );
    assert.equal(lintFileOf({ path: 'z.sql', family: 'sqlite', text: 'SELECT 1;' }).down, undefined);
    assert.deepEqual(
      lintFileOf({ path: 'g.sql', family: 'sqlite', text: '-- +goose Up\nCREATE TABLE g (id INTEGER);\n-- +goose Down\nDROP TABLE g;\n' }).down?.map(
        (s) => s.line,
      ),
      [4],
    );
  });

  it("reads goose's StatementBegin/End block as one statement, at its own line, between split ones", () => {
    const text = [
      '-- +goose Up',
      'CREATE TABLE g (id INTEGER);',
      '-- +goose StatementBegin',
      'CREATE TRIGGER g_ai AFTER INSERT ON g BEGIN',
      '  UPDATE g SET id = id; SELECT 1;',
      'END;',
      '-- +goose StatementEnd',
      'CREATE INDEX g_id ON g (id);',
      '-- +goose Down',
      'DROP TABLE g;',
    ].join('\n');
    const file = lintFileOf({ path: 'g.sql', family: 'postgres', text });
    assert.deepEqual(
      file.up.map((s) => [s.index, s.line, s.column, s.normalized]),
      [
        [1, 2, 1, 'CREATE TABLE g (id INTEGER)'],
        [2, 4, 1, 'CREATE TRIGGER g_ai AFTER INSERT ON g BEGIN UPDATE g SET id = id; SELECT 1; END'],
        [3, 8, 1, 'CREATE INDEX g_id ON g (id)'],
      ],
    );
    assert.deepEqual(
      file.down?.map((s) => s.line),
      [10],
    );
  });

  it('reports findings with rule, file, line, column, severity, message and hint', async () => {
    const [finding, ...rest] = await lint('\n\n   DROP TABLE users;\n', { setup: USERS_POSTS });
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { ...finding, message: undefined, hint: undefined },
      { rule: 'sqlite/drop-table', severity: 'error', file: 'm.sql', line: 3, column: 4, statement: 1, message: undefined, hint: undefined },
    );
    assert.match(
      finding!.message,
      /DROP TABLE users deletes the table and its rows for good, and every row of posts \(ON DELETE CASCADE on user_id\) is deleted/,
    );
    assert.match(finding!.hint!, /strata-ignore sqlite\/drop-table/);
  });

  it('a statement the replay cannot run makes the schema unknown after it, so a later DROP of what it made is still reported', async () => {
    // The collation exists only in the app's runtime: the in-memory replay cannot create the table.
    const files = [
      { path: '0001_a.sql', family: 'sqlite' as const, text: 'CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT COLLATE app_locale);\n', replayOnly: true },
      { path: '0002_b.sql', family: 'sqlite' as const, text: 'DROP TABLE names;\n' },
    ];
    const result = await lintSequence(files, { start: { kind: 'empty' } });
    assert.equal(result.schemaKnown, false);
    assert.deepEqual(
      result.findings.map((f) => [f.rule, f.file]),
      [['sqlite/drop-table', '0002_b.sql']],
    );
    assert.match(result.findings[0]!.message, /no schema known/);
    const replayed = await lintSequence(
      [
        { ...files[0]!, text: 'CREATE TABLE names (id INTEGER PRIMARY KEY, name TEXT);\n' },
        { ...files[1]!, text: 'DROP TABLE other;\n' },
      ],
      { start: { kind: 'empty' } },
    );
    assert.deepEqual(replayed.findings, [], 'a table the complete history never made is known not to exist');
  });
});

describe('strata-ignore', () => {
  const setup = 'CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n';
  it('on the lines right before a statement, or on its line, silences that rule for that statement only', async () => {
    const findings = await lint(
      '-- migrate:up\nCREATE TABLE c (id INTEGER);\n-- strata-ignore sqlite/drop-table: a is empty since 0003\n-- (checked by hand)\nDROP TABLE a;\nDROP TABLE b; -- strata-ignore sqlite/drop-table: b was never written to\nDROP TABLE c;\n',
      { setup },
    );
    assert.deepEqual(findings, [], 'c is created by the file itself: dropping it loses nothing');
    const other = await lint('CREATE TABLE c (id INTEGER);\n-- strata-ignore sqlite/drop-table: a is empty\n\nSELECT 1;\nDROP TABLE a;\n', { setup });
    assert.deepEqual(
      other.map((f) => [f.rule, f.line]),
      [['sqlite/drop-table', 5]],
      'the comment was about SELECT 1, not the DROP',
    );
  });

  it('above the first statement silences the rule for the whole file', async () => {
    const findings = await lint('-- strata-ignore sqlite/drop-table: retiring the v1 tables, exported in 0041\n\nDROP TABLE a;\nDROP TABLE b;\n', { setup });
    assert.deepEqual(findings, []);
  });

  it('without a reason is an error and ignores nothing; an unknown rule is an error naming the nearest one', async () => {
    const findings = await lint(
      'DROP TABLE a; -- strata-ignore sqlite/drop-table\n-- strata-ignore sqlite/drop-tabel, sqlite/drop-table: b is unused\nDROP TABLE b;\n',
      { setup },
    );
    assert.deepEqual(
      findings.map((f) => [f.rule, f.severity, f.line]),
      [
        ['sqlite/drop-table', 'error', 1],
        ['lint/ignore-without-reason', 'error', 1],
        ['lint/unknown-rule', 'error', 2],
      ],
    );
    assert.match(findings[2]!.message, /unknown rule 'sqlite\/drop-tabel'; did you mean 'sqlite\/drop-table'\?/);
    assert.deepEqual(await lint('-- strata-ignore sqlite/drop-table\nSELECT 1;\n', { rules: { 'lint/ignore-without-reason': 'off' } }), []);
  });
});

describe('severities', () => {
  it('come from config over the defaults; off silences a rule; a finding may lower itself to a warning', async () => {
    assert.deepEqual(
      (await lint('DROP TABLE a;', { setup: 'CREATE TABLE a (id INTEGER);', rules: { 'sqlite/drop-table': 'warn' } })).map((f) => f.severity),
      ['warn'],
    );
    assert.deepEqual(await lint('DROP TABLE a;', { setup: 'CREATE TABLE a (id INTEGER);', rules: { 'sqlite/drop-table': 'off' } }), []);
    // The rule is an error; an UPDATE without WHERE is only a warning of it.
    assert.deepEqual(
      (await lint('UPDATE a SET id = 2;', { setup: 'CREATE TABLE a (id INTEGER);' })).map((f) => [f.rule, f.severity]),
      [['sqlite/delete-or-update-without-where', 'warn']],
    );
  });

  it('refuse an unknown rule ID or value with CONFIG_INVALID naming the nearest ID', () => {
    assert.throws(
      () => ruleSeverities({ 'sqlite/drop-tables': 'warn' }, 'strata.config.json'),
      (error: Error & { code?: string }) =>
        error.code === 'CONFIG_INVALID' &&
        /strata\.config\.json: lint\.rules names an unknown rule 'sqlite\/drop-tables'; did you mean 'sqlite\/drop-table'\?/.test(error.message),
    );
    assert.throws(() => ruleSeverities({ 'sqlite/drop-table': 'fatal' }), /must be "error", "warn" or "off", got "fatal"/);
  });

  it('every registered rule has a unique family-prefixed ID and complete docs', () => {
    const ids = LINT_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of LINT_RULES) {
      assert.match(rule.id, /^(sqlite|postgres|mysql|any|lint)\/[a-z0-9-]+$/, rule.id);
      for (const field of ['catches', 'why', 'safe', 'bad', 'good'] as const) assert.ok(rule.docs[field].trim(), `${rule.id}: docs.${field}`);
    }
    assert.ok(LINT_RULES.filter((r) => r.id.startsWith('sqlite/')).length >= 12);
  });
});

describe('the schema before a file', () => {
  it('is the folder replayed up to it; a file linted alone knows only what it made', async () => {
    const findings = await lintSequence(
      [
        { path: '1.sql', text: 'CREATE TABLE a (id INTEGER);', family: 'sqlite' },
        { path: '2.sql', text: 'DROP TABLE IF EXISTS a;\nDROP TABLE IF EXISTS never_made;', family: 'sqlite' },
      ],
      { start: { kind: 'empty' } },
    );
    assert.deepEqual(
      findings.findings.map((f) => [f.file, f.line]),
      [['2.sql', 1]],
      'a table the history never made is not dropped',
    );
    const alone = await lintSequence([{ path: '2.sql', text: 'DROP TABLE IF EXISTS never_made;', family: 'sqlite' }]);
    assert.match(alone.findings[0]!.message, /any rows it holds \(no schema known\)/);
    assert.equal(alone.schemaKnown, false);
  });
});

/** drizzle-kit's SQLite rebuild (as drizzle-kit 0.31 writes it: the pragma, `__new_`, breakpoints). */
const DRIZZLE_REBUILD = [
  'PRAGMA foreign_keys=OFF;--> statement-breakpoint',
  "CREATE TABLE `__new_users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text NOT NULL,\n\t`email` text DEFAULT '' NOT NULL\n);\n--> statement-breakpoint",
  'INSERT INTO `__new_users`("id", "name") SELECT "id", "name" FROM `users`;--> statement-breakpoint',
  'DROP TABLE `users`;--> statement-breakpoint',
  'ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint',
  'PRAGMA foreign_keys=ON;',
].join('\n');

function drizzleProject(rebuild = DRIZZLE_REBUILD) {
  const dir = tempDir('strata-lint-drizzle-');
  const out = join(dir, 'drizzle');
  const entry = (idx: number, tag: string) => ({ idx, version: '6', when: 1796280314569 + idx, tag, breakpoints: true });
  writeFiles(out, {
    'meta/_journal.json': JSON.stringify({ version: '7', dialect: 'sqlite', entries: [entry(0, '0000_init'), entry(1, '0001_users_email')] }),
    '0000_init.sql':
      'CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`name` text NOT NULL\n);\n--> statement-breakpoint\nCREATE TABLE `posts` (\n\t`id` integer PRIMARY KEY NOT NULL,\n\t`user_id` integer NOT NULL,\n\tFOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade\n);\n',
    '0001_users_email.sql': rebuild,
  });
  return { dir, out, db: join(dir, 'app.db') };
}

describe('the drizzle-kit rebuild of a table children reference with ON DELETE CASCADE', () => {
  it('run by Strata, which lifts the pragma out of its transaction: lint warns (other runners lose the rows), migrate keeps every child row', () => {
    const p = drizzleProject();
    assert.equal(cli(['migrate', '--db', p.db, '--dir', p.out, '--to', '0', '--no-backup'], { cwd: p.dir }).code, 0);
    exec(p.db, "INSERT INTO users VALUES (1, 'ada'); INSERT INTO posts VALUES (10, 1), (11, 1);");
    const linted = cli(['lint', '--db', p.db, '--dir', p.out, '--json'], { cwd: p.dir });
    assert.equal(linted.code, 0, linted.stderr);
    const report = parseJson(linted);
    assert.deepEqual(
      report.findings.map((f: { rule: string; severity: string; line: number }) => [f.rule, f.severity, f.line]),
      [['sqlite/rebuild-with-cascade', 'warn', 9]],
    );
    assert.match(
      report.findings[0].message,
      /stands inside a transaction here: 'strata migrate' lifts it out.*drizzle-kit migrate.*every row of posts \(ON DELETE CASCADE on user_id\) is deleted/,
    );
    const migrated = cli(['migrate', '--db', p.db, '--dir', p.out, '--no-backup'], { cwd: p.dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stderr, /warning: drizzle\/0001_users_email\.sql:9: PRAGMA foreign_keys = OFF/);
    assert.deepEqual(query(p.db, 'SELECT id FROM posts ORDER BY id'), [{ id: 10 }, { id: 11 }]);
  });

  it('without the pragma (or on D1): lint fails, migrate refuses and touches nothing; with the ignore it runs and the cascade deletes the child rows', async () => {
    const p = drizzleProject(DRIZZLE_REBUILD.replace(/PRAGMA foreign_keys=(OFF|ON);(--> statement-breakpoint)?\n?/g, ''));
    assert.equal(cli(['migrate', '--db', p.db, '--dir', p.out, '--to', '0', '--no-backup'], { cwd: p.dir }).code, 0);
    exec(p.db, "INSERT INTO users VALUES (1, 'ada'); INSERT INTO posts VALUES (10, 1), (11, 1);");
    const linted = cli(['lint', '--db', p.db, '--dir', p.out], { cwd: p.dir });
    assert.equal(linted.code, 1);
    assert.match(linted.stdout, /drizzle\/0001_users_email\.sql:8:1 {2}error {2}sqlite\/rebuild-with-cascade {2}this rebuild drops users with foreign keys on/);
    assert.match(linted.stdout, / {4}fix: put PRAGMA foreign_keys = OFF;/);
    assert.match(linted.stderr, /1 file\(s\) linted: 1 error\(s\), 0 warning\(s\)/);

    const before = snapshot(p.db);
    const refused = cli(['migrate', '--db', p.db, '--dir', p.out], { cwd: p.dir });
    assertFailure(refused, 'PLAN_REJECTED');
    assert.deepEqual(snapshot(p.db), before, 'nothing touched: no backup, no ledger row, no rows lost');
    const api = createMigrator({ db: p.db, dir: p.out, backup: false });
    const error = await rejectsWith(api.migrate(), 'PLAN_REJECTED', /rebuild-with-cascade/);
    assert.equal((error.details.findings as { rule: string }[])[0]!.rule, 'sqlite/rebuild-with-cascade');
    await api.close();
    assert.deepEqual(snapshot(p.db), before);

    // The finding is real: told to go ahead, SQLite's DROP TABLE cascades into posts.
    const ignored = createMigrator({ db: p.db, dir: p.out, backup: false, lint: { rules: { 'sqlite/rebuild-with-cascade': 'off' } } });
    await ignored.migrate();
    await ignored.close();
    assert.deepEqual(query(p.db, 'SELECT count(*) AS n FROM posts'), [{ n: 0 }]);
  });

  it('on D1 the pragma does nothing: an error even with it', async () => {
    const p = drizzleProject();
    const linted = cli(['lint', '--target', 'd1', '--dialect', 'sqlite', '--json', join('drizzle', '0000_init.sql'), join('drizzle', '0001_users_email.sql')], {
      cwd: p.dir,
    });
    const rules = parseJson(linted).findings.map((f: { rule: string; severity: string }) => `${f.rule}:${f.severity}`);
    assert.deepEqual(rules, ['sqlite/d1-foreign-keys-pragma:error', 'sqlite/rebuild-with-cascade:error', 'sqlite/d1-foreign-keys-pragma:error']);
    assert.equal(linted.code, 1);
  });
});

describe('strata lint', () => {
  function project(files: Record<string, string>, config?: object) {
    const dir = tempDir('strata-lint-cli-');
    writeFiles(join(dir, 'migrations'), files);
    if (config) writeFiles(dir, { 'strata.config.json': JSON.stringify(config) });
    return dir;
  }
  const FILES = {
    '0001_init.sql': `-- migrate:up\n${USERS_POSTS}-- migrate:down\nDROP TABLE posts;\nDROP TABLE users;\n`,
    '0002_cleanup.sql': '-- migrate:up\nUPDATE posts SET title = upper(title);\nDROP TABLE posts;\n-- migrate:down\nSELECT 1;\n',
  };

  it('lints a folder from its first file; exit 1 on an error, 0 with warnings only; --rule overrides', () => {
    const dir = project(FILES);
    const text = cli(['lint', 'migrations'], { cwd: dir });
    assert.equal(text.code, 1);
    assert.equal(
      text.stdout
        .split('\n')
        .filter((l) => /^\S+:\d+:\d+ /.test(l))
        .join('\n'),
      [
        'migrations/0002_cleanup.sql:2:1  warn   sqlite/delete-or-update-without-where  UPDATE posts has no WHERE: it rewrites every row, under the write lock for all of them',
        'migrations/0002_cleanup.sql:3:1  error  sqlite/drop-table  DROP TABLE posts deletes the table and its rows for good',
      ].join('\n'),
    );
    const relaxed = cli(['lint', 'migrations', '--rule', 'sqlite/drop-table=warn', '--json'], { cwd: dir });
    assert.equal(relaxed.code, 0);
    assert.deepEqual({ ...(parseJson(relaxed) as object), findings: undefined }, { ok: true, files: 2, errors: 0, warnings: 2, findings: undefined });
    const typo = cli(['lint', 'migrations', '--rule', 'sqlite/drop-tabel=warn'], { cwd: dir });
    assertFailure(typo, 'USAGE', 2);
    assert.match(typo.stderr, /did you mean 'sqlite\/drop-table'/);
  });

  it("a single file is linted after its folder's earlier files are replayed", () => {
    const dir = project(FILES);
    const report = parseJson(cli(['lint', join('migrations', '0002_cleanup.sql'), '--json'], { cwd: dir }));
    assert.equal(report.files, 1);
    assert.deepEqual(
      report.findings.map((f: { rule: string }) => f.rule),
      ['sqlite/delete-or-update-without-where', 'sqlite/drop-table'],
    );
    assert.match(report.findings[1].message, /deletes the table and its rows for good$/, 'the replay knows posts exists');
  });

  it('with no files: the pending migrations against the database; the config sets severities and is checked', () => {
    const dir = project(FILES, { db: 'app.db', lint: { rules: { 'sqlite/delete-or-update-without-where': 'off' } } });
    assert.equal(cli(['migrate', '--to', '1'], { cwd: dir }).code, 0);
    const report = parseJson(cli(['lint', '--json'], { cwd: dir }));
    assert.equal(report.files, 1);
    assert.deepEqual(
      report.findings.map((f: { rule: string; file: string }) => [f.rule, f.file]),
      [['sqlite/drop-table', 'migrations/0002_cleanup.sql']],
    );
    writeFiles(dir, { 'strata.config.json': JSON.stringify({ db: 'app.db', lint: { rules: { 'sqlite/no-such-rule': 'off' } } }) });
    const bad = cli(['lint'], { cwd: dir });
    assertFailure(bad, 'CONFIG_INVALID');
    assert.match(bad.stderr, /unknown rule 'sqlite\/no-such-rule'/);
  });

  it('--format sarif writes SARIF 2.1.0 with the fields GitHub code scanning requires', () => {
    const dir = project(FILES);
    const result = cli(['lint', 'migrations', '--format', 'sarif'], { cwd: dir });
    assert.equal(result.code, 1);
    const sarif = JSON.parse(result.stdout);
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-2\.1\.0/);
    const run = sarif.runs[0];
    assert.equal(run.tool.driver.name, 'strata-lint');
    assert.ok(run.tool.driver.rules.some((r: { id: string }) => r.id === 'sqlite/drop-table'));
    const result0 = run.results.find((r: { ruleId: string }) => r.ruleId === 'sqlite/drop-table');
    assert.equal(result0.level, 'error');
    assert.equal(run.tool.driver.rules[result0.ruleIndex].id, 'sqlite/drop-table');
    assert.ok(result0.message.text);
    assert.deepEqual(result0.locations[0].physicalLocation, {
      artifactLocation: { uri: 'migrations/0002_cleanup.sql' },
      region: { startLine: 3, startColumn: 1 },
    });
  });

  it("reads other tools' folders: Prisma's migrations/<ts>_<name>/migration.sql tree", () => {
    const dir = tempDir('strata-lint-prisma-');
    writeFiles(join(dir, 'prisma', 'migrations'), {
      'migration_lock.toml': 'provider = "sqlite"\n',
      '20240301090000_init/migration.sql': 'CREATE TABLE "Tag" ("id" INTEGER NOT NULL PRIMARY KEY, "label" TEXT);\n',
      '20240302090000_tag_unique/migration.sql': 'CREATE UNIQUE INDEX "Tag_label_key" ON "Tag"("label");\n',
    });
    const report = parseJson(cli(['lint', join('prisma', 'migrations', '20240302090000_tag_unique', 'migration.sql'), '--json'], { cwd: dir }));
    assert.deepEqual(
      report.findings.map((f: { rule: string; file: string }) => [f.rule, f.file]),
      [['sqlite/unique-index-without-dedupe', 'prisma/migrations/20240302090000_tag_unique/migration.sql']],
    );
    assert.match(report.findings[0].message, /which already exists/);
  });

  it('refuses bad options with USAGE', () => {
    const dir = project(FILES);
    assertFailure(cli(['lint', 'migrations', '--dialect', 'oracle'], { cwd: dir }), 'USAGE', 2);
    assertFailure(cli(['lint', 'migrations', '--format', 'xml'], { cwd: dir }), 'USAGE', 2);
    assertFailure(cli(['lint', 'nowhere.sql'], { cwd: dir }), 'USAGE', 2);
    const list = parseJson(cli(['lint', '--list-rules', '--json'], { cwd: dir }));
    assert.ok(list.rules.some((r: { id: string }) => r.id === 'sqlite/rebuild-with-cascade'));
  });
});

describe('migrate', () => {
  it('refuses a plan with an error finding before anything exists; lint: false in the config turns the check off', () => {
    const dir = tempDir('strata-lint-migrate-');
    writeFiles(dir, {
      'migrations/0001_init.sql': '-- migrate:up\nCREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);\n-- migrate:down\nDROP TABLE t;\n',
      'migrations/0002_add.sql': '-- migrate:up\nALTER TABLE t ADD COLUMN status TEXT NOT NULL;\n-- migrate:down\nALTER TABLE t DROP COLUMN status;\n',
    });
    const refused = cli(['migrate', '--db', 'app.db'], { cwd: dir });
    assertFailure(refused, 'PLAN_REJECTED');
    assert.match(refused.stderr, /migrations\/0002_add\.sql:2: ADD COLUMN status is NOT NULL without a default: SQLite refuses it once t holds a row/);
    assert.equal(existsSync(join(dir, 'app.db')), false, 'no database, no lock file, no backup');
    assert.equal(existsSync(join(dir, 'app.db.strata-lock')), false);
    writeFiles(dir, { 'strata.config.json': JSON.stringify({ db: 'app.db', lint: false }) });
    const unchecked = cli(['migrate'], { cwd: dir });
    assertFailure(unchecked, 'MIGRATION_FAILED');
    assert.match(unchecked.stderr, /Cannot add a NOT NULL column with default value NULL/, 'the failure the linter predicted');
  });
});
