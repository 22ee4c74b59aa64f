/**
 * Placeholders in SQL files: the pure replacement, migrations on a real SQLite file through
 * createMigrator, and the built CLI's `--var` and config keys.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator, StrataError } from '../src/index.js';
import { checksumOf } from '../src/sources/checksum.js';
import { compilePlaceholderPattern, replacePlaceholders } from '../src/sources/sql/placeholders.js';
import { assertFailure, assertOk, cli, ledger, parseJson, query, rejectsWith, ROOT, tempDir, writeFiles } from './helpers.js';

function throwsCode(run: () => unknown, code: string, message?: RegExp): StrataError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof StrataError, `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}`);
}

// ---- the pure function ----------------------------------------------------------------------

describe('replacePlaceholders', () => {
  it('replaces ${name} in code, string literals and quoted identifiers, every occurrence', () => {
    const text = `CREATE TABLE "\${schema}_users" (id INTEGER, note TEXT DEFAULT 'hi \${who}');\nINSERT INTO \${schema}_users (note) VALUES ('\${who}');\n`;
    assert.equal(
      replacePlaceholders(text, { schema: 'app', who: 'ann' }),
      `CREATE TABLE "app_users" (id INTEGER, note TEXT DEFAULT 'hi ann');\nINSERT INTO app_users (note) VALUES ('ann');\n`,
    );
  });

  it('returns the text unchanged when it has no placeholder', () => {
    const text = "SELECT '$1', $$x$$, '{}' -- ${} and $ {a} are not placeholders\n";
    assert.equal(replacePlaceholders(text, {}, undefined, 'f.sql', 'postgres'), text);
  });

  it('leaves comments exactly as written: no replacement and no error there', () => {
    const text = `-- migrate:up\n-- uses \${schema}; \${undocumented} is only mentioned here\n/* block \${also_unknown} */ SELECT '\${schema}';\n`;
    assert.equal(
      replacePlaceholders(text, { schema: 'app' }),
      `-- migrate:up\n-- uses \${schema}; \${undocumented} is only mentioned here\n/* block \${also_unknown} */ SELECT 'app';\n`,
    );
  });

  it('does not take -- or /* inside a string literal for a comment', () => {
    assert.equal(replacePlaceholders(`SELECT 'a--b \${v}', '/* \${v} */';`, { v: 'X' }), `SELECT 'a--b X', '/* X */';`);
  });

  it('replaces inside PostgreSQL dollar-quoted bodies, and honours mysql # comments only for mysql', () => {
    const body = `CREATE FUNCTION \${s}.f() RETURNS int AS $$\nBEGIN -- in \${s}\n  RETURN 1;\nEND $$ LANGUAGE plpgsql;`;
    assert.equal(replacePlaceholders(body, { s: 'app' }, undefined, 'f.sql', 'postgres'), body.replaceAll('${s}', 'app'));
    assert.equal(replacePlaceholders('# note ${x}\nSELECT 1;', {}, undefined, 'f.sql', 'mysql'), '# note ${x}\nSELECT 1;');
    throwsCode(() => replacePlaceholders('# note ${x}\nSELECT 1;', {}, undefined, 'f.sql', 'sqlite'), 'PLACEHOLDER_UNKNOWN');
  });

  it('inserts values verbatim: $ sequences, quotes and placeholders in values are not interpreted', () => {
    const values = { a: "$1 $& $$ $' $` it's", b: '${a}' };
    assert.equal(replacePlaceholders('x=${a}; y=${b};', values), "x=$1 $& $$ $' $` it's; y=${a};");
  });

  it('reports an unknown placeholder with its file, line, column and the known names', () => {
    const error = throwsCode(
      () => replacePlaceholders('SELECT 1;\n  SELECT ${schema}.x, ${tenant}, ${other};\n', { schema: 'app', region: 'eu' }, undefined, 'migrations/0003_x.sql'),
      'PLACEHOLDER_UNKNOWN',
      /^migrations\/0003_x\.sql: unknown placeholder \$\{tenant\} at line 2, column 23 \(and 1 more: other\)$/,
    );
    assert.deepEqual(error.details, {
      file: 'migrations/0003_x.sql',
      line: 2,
      column: 23,
      placeholder: 'tenant',
      unknown: ['tenant', 'other'],
      known: ['schema', 'region'],
    });
    assert.match(error.hint ?? '', /the known placeholders are schema, region/);
    assert.match(error.hint ?? '', /--var tenant=VALUE/);
    assert.match(error.hint ?? '', /"placeholders"/);
  });

  it('does not take inherited object keys for values', () => {
    throwsCode(() => replacePlaceholders('SELECT ${constructor};', {}), 'PLACEHOLDER_UNKNOWN', /\$\{constructor\}/);
  });

  it('a :NAME template leaves ::casts, words glued to a colon and lower-case names alone', () => {
    const text = [
      '-- migrate:up',
      "select :SCHEMA.add_job('jobs:insert', '{}'::json, now()::timestamp);",
      'select array[]:::SCHEMA.job_spec[], x:::SCHEMA.t, (:SCHEMA.f()), :lower, arr[1:2];',
    ].join('\n');
    assert.equal(
      replacePlaceholders(text, { SCHEMA: 'gw' }, ':NAME', 'f.sql', 'postgres'),
      [
        '-- migrate:up',
        "select gw.add_job('jobs:insert', '{}'::json, now()::timestamp);",
        'select array[]::gw.job_spec[], x::gw.t, (gw.f()), :lower, arr[1:2];',
      ].join('\n'),
    );
    // `name` also matches lower case: :lower is then a placeholder without a value.
    throwsCode(
      () => replacePlaceholders(text, { SCHEMA: 'gw' }, ':name', 'f.sql', 'postgres'),
      'PLACEHOLDER_UNKNOWN',
      /unknown placeholder :lower at line 3, column 66/,
    );
  });

  it('other templates: {{name}} and %NAME% (the name ends where the suffix starts)', () => {
    assert.equal(replacePlaceholders("SELECT '{{a}}', {{b_2}}, {{ c }};", { a: '1', b_2: '2' }, '{{name}}'), "SELECT '1', 2, {{ c }};");
    assert.equal(replacePlaceholders('SELECT %A%, %a%;', { A: 'x' }, '%NAME%'), 'SELECT x, %a%;');
  });

  it('a RegExp with one capture group, or a named group, or a /source/flags string', () => {
    const text = "select :SCHEMA.f('{}'::json);";
    const expected = "select app.f('{}'::json);";
    assert.equal(replacePlaceholders(text, { SCHEMA: 'app' }, /(?<!:):([A-Z_][A-Z0-9_]*)\b/g), expected);
    assert.equal(replacePlaceholders(text, { SCHEMA: 'app' }, /(?<!:):(?<name>[A-Z_][A-Z0-9_]*)\b/), expected);
    assert.equal(replacePlaceholders(text, { SCHEMA: 'app' }, '/(?<!:):([A-Z_][A-Z0-9_]*)\\b/'), expected);
    assert.equal(replacePlaceholders('select @@SCHEMA;', { SCHEMA: 'app' }, '/@@(schema)/i'), 'select app;');
  });

  it('refuses patterns that cannot work, as CONFIG_INVALID', () => {
    throwsCode(() => compilePlaceholderPattern('$schema'), 'CONFIG_INVALID', /write the word 'name'/);
    throwsCode(() => compilePlaceholderPattern('name'), 'CONFIG_INVALID', /needs something before it/);
    throwsCode(() => compilePlaceholderPattern('${name} ${name}'), 'CONFIG_INVALID');
    throwsCode(() => compilePlaceholderPattern(/:[A-Z]+/), 'CONFIG_INVALID', /capture group/);
    throwsCode(() => compilePlaceholderPattern('/(unclosed/'), 'CONFIG_INVALID', /not a valid regular expression/);
  });

  it("graphile-worker's own SQL files, with :NAME: every :GRAPHILE_WORKER_SCHEMA replaced, every cast kept", () => {
    const dir = join(ROOT, 'node_modules', 'graphile-worker', 'sql');
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
    assert.ok(files.length > 10, 'graphile-worker (a dev dependency) ships its migrations in sql/');
    let replaced = 0;
    let missedByLookbehind = 0;
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      const out = replacePlaceholders(text, { GRAPHILE_WORKER_SCHEMA: '"gw"' }, ':NAME', file, 'postgres');
      assert.doesNotMatch(out, /:GRAPHILE_WORKER_SCHEMA/, file);
      // Only placeholders changed: putting them back gives the file.
      assert.equal(out.replaceAll('"gw"', ':GRAPHILE_WORKER_SCHEMA'), text, file);
      replaced += text.split(':GRAPHILE_WORKER_SCHEMA').length - 1;
      // The simpler /(?<!:):(...)/ misses `):::GRAPHILE_WORKER_SCHEMA.job_spec` (a cast, then the placeholder).
      const simple = replacePlaceholders(text, { GRAPHILE_WORKER_SCHEMA: '"gw"' }, /(?<!:):([A-Z_][A-Z0-9_]*)\b/, file, 'postgres');
      if (simple.includes(':GRAPHILE_WORKER_SCHEMA')) missedByLookbehind++;
    }
    assert.ok(replaced > 100, `${replaced} placeholders`);
    assert.ok(missedByLookbehind > 0, 'the :NAME template exists because a plain lookbehind is not enough');
  });
});

// ---- createMigrator on a real SQLite file ----------------------------------------------------

const FILES: Record<string, string> = {
  '0001_settings.sql': `-- migrate:up
-- a table named after \${prefix}; the comment keeps its placeholder
CREATE TABLE \${prefix}_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT '\${greeting}');
INSERT INTO \${prefix}_settings (key) VALUES ('hello');
-- migrate:down
DROP TABLE \${prefix}_settings;
`,
  '0002_log.up.sql': `CREATE TABLE "\${prefix}_log" (v TEXT);\nINSERT INTO "\${prefix}_log" VALUES ('\${greeting}');\n`,
  '0002_log.down.sql': `DROP TABLE "\${prefix}_log";\n`,
};

function project(files: Record<string, string> = FILES) {
  const dir = tempDir('strata-placeholders-');
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  writeFiles(migrations, files);
  return { dir, db: join(dir, 'app.db'), migrations };
}

describe('createMigrator({ placeholders })', () => {
  it('replaces placeholders when migrating; the ledger keeps the checksum of the file as written', async () => {
    const p = project();
    const migrator = createMigrator({ db: p.db, dir: p.migrations, placeholders: { prefix: 'app', greeting: '$1 && $$' }, backup: false });
    await migrator.migrate();
    await migrator.close();
    assert.deepEqual(query(p.db, 'SELECT key, value FROM app_settings'), [{ key: 'hello', value: '$1 && $$' }]);
    assert.deepEqual(query(p.db, 'SELECT v FROM app_log'), [{ v: '$1 && $$' }]);
    const rows = ledger(p.db);
    assert.equal(rows[0]!.checksum, checksumOf(FILES['0001_settings.sql']!));
    assert.notEqual(rows[0]!.checksum, checksumOf(FILES['0001_settings.sql']!.replaceAll('${prefix}', 'app').replaceAll('${greeting}', () => '$1 && $$')));
  });

  it('a changed value does not make applied files look edited, and rollback uses the new values', async () => {
    const p = project();
    const first = createMigrator({ db: p.db, dir: p.migrations, placeholders: { prefix: 'app', greeting: 'hi' }, backup: false });
    await first.migrate();
    await first.close();
    const second = createMigrator({ db: p.db, dir: p.migrations, placeholders: { prefix: 'other', greeting: 'bye' }, backup: false });
    const status = await second.status();
    assert.deepEqual(
      status.migrations.map((m) => m.state),
      ['applied', 'applied'],
    );
    assert.deepEqual(status.problems, []);
    assert.equal((await second.validate()).ok, true);
    // The down files now name other_*: dropping a table that does not exist fails, so it is the new value that ran.
    await rejectsWith(second.rollback(), 'MIGRATION_FAILED', /no such table: other_log/);
    await second.close();
  });

  it('a dry run shows the replaced SQL, with the line numbers of the file', async () => {
    const p = project();
    const migrator = createMigrator({ db: p.db, dir: p.migrations, placeholders: { prefix: 'app', greeting: 'hi' }, backup: false });
    const seen: { line: number; sql: string }[] = [];
    migrator.on('statement', (e) => seen.push({ line: e.line, sql: e.sql }));
    await migrator.migrate({ dryRun: true });
    await migrator.close();
    assert.deepEqual(seen.slice(0, 2), [
      { line: 3, sql: "CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT 'hi')" },
      { line: 4, sql: "INSERT INTO app_settings (key) VALUES ('hello')" },
    ]);
    assert.equal(seen[2]!.sql, `CREATE TABLE "app_log" (v TEXT)`);
  });

  it('an unknown placeholder fails the run before its step, naming file, line and column', async () => {
    const p = project({ ...FILES, '0003_more.sql': 'CREATE TABLE more (x);\nINSERT INTO more VALUES (${count});\n' });
    const migrator = createMigrator({ db: p.db, dir: p.migrations, placeholders: { prefix: 'app', greeting: 'hi' }, backup: false });
    const error = await rejectsWith(migrator.migrate(), 'PLACEHOLDER_UNKNOWN', /0003_more\.sql: unknown placeholder \$\{count\} at line 2, column 26/);
    assert.match(error.hint ?? '', /known placeholders are prefix, greeting/);
    await migrator.close();
    // The linter (on by default) loads every pending step before anything runs: nothing was created.
    assert.equal(existsSync(p.db), false);
  });

  it('placeholderPattern: false runs files as written; a bad pattern fails createMigrator', async () => {
    const p = project({ '0001_t.sql': "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('${kept}');\n" });
    const migrator = createMigrator({ db: p.db, dir: p.migrations, placeholderPattern: false, backup: false });
    await migrator.migrate();
    await migrator.close();
    assert.deepEqual(query(p.db, 'SELECT v FROM t'), [{ v: '${kept}' }]);
    throwsCode(() => createMigrator({ db: p.db, dir: p.migrations, placeholderPattern: 'schema' }), 'CONFIG_INVALID');
  });

  it('a custom pattern through createMigrator', async () => {
    const p = project({ '0001_t.sql': "CREATE TABLE :TABLE (v TEXT);\nINSERT INTO :TABLE VALUES ('a:b'), (CAST(1 AS TEXT));\n" });
    const migrator = createMigrator({ db: p.db, dir: p.migrations, placeholders: { TABLE: 'things' }, placeholderPattern: ':NAME', backup: false });
    await migrator.migrate();
    await migrator.close();
    assert.deepEqual(query(p.db, 'SELECT v FROM things'), [{ v: 'a:b' }, { v: '1' }]);
  });
});

// ---- the built CLI ---------------------------------------------------------------------------

describe('strata --var and the placeholders config', () => {
  function workspace(config?: unknown) {
    const p = project();
    if (config !== undefined) writeFileSync(join(p.dir, 'strata.config.json'), JSON.stringify(config));
    return { ...p, db: join(p.dir, 'strata.db'), run: (...args: string[]) => cli(args, { cwd: p.dir }) };
  }

  it('--var gives values; --dry-run --json shows the replaced SQL', () => {
    const ws = workspace();
    const dry = parseJson(ws.run('migrate', '--dry-run', '--json', '--var', 'prefix=app', '--var', 'greeting=a=b $x'));
    assert.equal(dry.plan[0].statements[0].sql, "CREATE TABLE app_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT 'a=b $x')");
    const text = ws.run('migrate', '--dry-run', '--var', 'prefix=app', '--var', 'greeting=hi');
    assertOk(text);
    assert.match(text.stdout, /^CREATE TABLE app_settings .*DEFAULT 'hi'\);$/m);
    assertOk(ws.run('migrate', '--var', 'prefix=app', '--var', 'greeting=hi', '--no-backup'));
    assert.deepEqual(query(ws.db, 'SELECT value FROM app_settings'), [{ value: 'hi' }]);
  });

  it('config placeholders and placeholderPattern; --var overrides one value', () => {
    const ws = workspace({ placeholders: { prefix: 'cfg', greeting: 'from config' } });
    assertOk(ws.run('migrate', '--no-backup', '--var', 'greeting=from flag'));
    assert.deepEqual(query(ws.db, 'SELECT value FROM cfg_settings'), [{ value: 'from flag' }]);
    // Another value later: nothing looks changed.
    const status = parseJson(ws.run('status', '--json', '--var', 'prefix=renamed'));
    assert.deepEqual(
      status.migrations.map((m: { state: string }) => m.state),
      ['applied', 'applied'],
    );
    assertOk(ws.run('validate', '--var', 'prefix=renamed'));

    const custom = project({ '0001_t.sql': "CREATE TABLE :TABLE (v TEXT);\nINSERT INTO :TABLE VALUES ('{}');\n" });
    writeFileSync(join(custom.dir, 'strata.config.json'), JSON.stringify({ placeholders: { TABLE: 'things' }, placeholderPattern: ':NAME' }));
    assertOk(cli(['migrate', '--no-backup'], { cwd: custom.dir }));
    assert.deepEqual(query(join(custom.dir, 'strata.db'), 'SELECT v FROM things'), [{ v: '{}' }]);
  });

  it('an unknown placeholder: exit 1, the file and position, and a hint', () => {
    const ws = workspace({ placeholders: { prefix: 'cfg' } });
    const result = ws.run('migrate', '--no-backup');
    assertFailure(result, 'PLACEHOLDER_UNKNOWN');
    assert.match(result.stderr, /0001_settings\.sql: unknown placeholder \$\{greeting\} at line 3, column 85/);
    assert.match(result.stderr, /hint: the known placeholders are prefix; give it a value with --var greeting=VALUE/);
    assert.deepEqual(ledger(ws.db), []);
  });

  it('a malformed --var is a usage error; bad config values are CONFIG_INVALID', () => {
    const ws = workspace();
    assertFailure(ws.run('migrate', '--var', 'prefix'), 'USAGE', 2);
    assertFailure(ws.run('migrate', '--var', '=app'), 'USAGE', 2);
    const bad = workspace({ placeholders: { retries: 3 } });
    const result = bad.run('migrate');
    assertFailure(result, 'CONFIG_INVALID');
    assert.match(result.stderr, /placeholders\.retries must be a string, got number/);
    assertFailure(workspace({ placeholderPattern: '/:[A-Z]+/' }).run('status'), 'CONFIG_INVALID');
  });

  it('--help lists --var', () => {
    const ws = workspace();
    assert.match(ws.run('migrate', '--help').stdout, /--var <name=value>/);
  });
});
