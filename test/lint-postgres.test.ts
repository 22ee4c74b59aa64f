/**
 * The PostgreSQL rules on PostgreSQL's own parse trees (libpg-query): each rule's docs examples
 * (bad flags, good stays quiet, against the schema its setup builds in an in-memory PGlite),
 * then the cases the examples do not show: tables created in the same file, unknown schemas,
 * transactions opened in the file, the parser's cost and failure paths.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { lintSequence, ruleSeverities } from '../src/lint/linter.js';
import { replacePostgresParserImport, requirePostgresParser } from '../src/lint/parse-postgres.js';
import { unknownSchema } from '../src/lint/schema-before.js';
import { ErrorCode, type StrataError } from '../src/model/errors.js';
import { parseCatalogType, typeChangeKeepsRows } from '../src/lint/rules/postgres-column-rules.js';
import { POSTGRES_RULES } from '../src/lint/rules/postgres-rules.js';
import { join } from 'node:path';
import { createMigrator } from '../src/index.js';
import { rejectsWith, tempDir, writeFiles } from './helpers.js';
import { closeHarness, lintFileOf, runRule } from './lint-rule-harness.js';
import { freshDatabase, skipUnlessServer, withPostgres } from './servers.js';

after(closeHarness);

/** What Node throws when a package is not installed. */
const MISSING = Object.assign(new Error("Cannot find package 'libpg-query' imported from /app/node_modules/strata-migrate/dist/lint/parse-postgres.js"), {
  code: 'ERR_MODULE_NOT_FOUND',
});

const rule = (id: string) => POSTGRES_RULES.find((r) => r.id === `postgres/${id}`)!;

describe('postgres rule examples', () => {
  test('there are 15 or more rules, with unique postgres/ IDs', () => {
    assert.ok(POSTGRES_RULES.length >= 15, `${POSTGRES_RULES.length} rules`);
    assert.equal(new Set(POSTGRES_RULES.map((r) => r.id)).size, POSTGRES_RULES.length);
    for (const r of POSTGRES_RULES) assert.match(r.id, /^postgres\/[a-z0-9-]+$/);
  });
  for (const r of POSTGRES_RULES) {
    test(`${r.id}: bad flags, good does not`, async () => {
      // parser-missing's bad case is the file linted without libpg-query.
      const restore = r.id === 'postgres/parser-missing' ? replacePostgresParserImport(() => Promise.reject(MISSING)) : () => {};
      const bad = await runRule(r, r.docs.bad, { setup: r.docs.setup }).finally(restore);
      assert.ok(bad.length > 0, `${r.id} did not flag its bad example`);
      for (const finding of bad) assert.ok(finding.message.length > 20 && finding.hint, 'a message and a hint');
      const good = await runRule(r, r.docs.good, { setup: r.docs.setup });
      assert.deepEqual(good, [], `${r.id} flagged its good example`);
    });
  }
});

describe('postgres rules: schema awareness', () => {
  test('an index on a table created earlier in the same file is quiet; on an unknown table it is flagged', async () => {
    const sameFile = 'CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);';
    assert.deepEqual(await runRule(rule('index-not-concurrent'), sameFile), []);
    const unknown = await runRule(rule('index-not-concurrent'), 'CREATE INDEX t_a ON t (a);', { unknown: true });
    assert.equal(unknown.length, 1);
    assert.match(unknown[0]!.message, /assumed to exist/);
    // Known schema without the table: the table does not exist before, nothing to block.
    assert.deepEqual(await runRule(rule('index-not-concurrent'), 'CREATE INDEX t_a ON t (a);', { setup: 'CREATE TABLE other (a int);' }), []);
  });

  test('schema-qualified names and quoted identifiers resolve to the table', async () => {
    const found = await runRule(rule('index-not-concurrent'), 'CREATE INDEX ON public."orders" (customer_id);', {
      setup: 'CREATE TABLE orders (id int, customer_id int);',
    });
    assert.equal(found.length, 1);
  });

  test('CONCURRENTLY between an explicit BEGIN and COMMIT of a no-transaction file is flagged; after COMMIT it is not', async () => {
    const text = '-- strata:no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY a ON t (a);\nCOMMIT;\nCREATE INDEX CONCURRENTLY b ON t (b);\n';
    const found = await runRule(rule('concurrently-in-transaction'), text, { unknown: true });
    assert.deepEqual(
      found.map((f) => f.statement?.index),
      [2],
    );
  });

  test('type changes: the widening list stays quiet, the rest and unknown old types are flagged', async () => {
    const setup = 'CREATE TABLE t (a varchar(10), b numeric(8,2), c integer, d text, e cidr);';
    const quiet = [
      'ALTER TABLE t ALTER COLUMN a TYPE varchar(20);',
      'ALTER TABLE t ALTER COLUMN a TYPE text;',
      'ALTER TABLE t ALTER COLUMN a TYPE character varying;',
      'ALTER TABLE t ALTER COLUMN b TYPE numeric(12,2);',
      'ALTER TABLE t ALTER COLUMN b TYPE numeric;',
      'ALTER TABLE t ALTER COLUMN d TYPE varchar;',
      'ALTER TABLE t ALTER COLUMN e TYPE inet;',
      'ALTER TABLE t ALTER COLUMN c TYPE int4;',
    ];
    for (const sql of quiet) assert.deepEqual(await runRule(rule('type-change-rewrite'), sql, { setup }), [], sql);
    const loud = [
      'ALTER TABLE t ALTER COLUMN a TYPE varchar(5);',
      'ALTER TABLE t ALTER COLUMN b TYPE numeric(12,3);',
      'ALTER TABLE t ALTER COLUMN c TYPE bigint;',
      'ALTER TABLE t ALTER COLUMN d TYPE varchar(10);',
      'ALTER TABLE t ALTER COLUMN c TYPE text USING c::text;',
    ];
    for (const sql of loud) assert.equal((await runRule(rule('type-change-rewrite'), sql, { setup })).length, 1, sql);
    const unknown = await runRule(rule('type-change-rewrite'), 'ALTER TABLE t ALTER COLUMN a TYPE varchar(20);', { unknown: true });
    assert.match(unknown[0]!.message, /current type is unknown/);
  });

  test('the catalog spellings parse to the internal type names', () => {
    assert.deepEqual(parseCatalogType('character varying(20)'), { name: 'varchar', mods: [20], array: false });
    assert.deepEqual(parseCatalogType('numeric(10,2)'), { name: 'numeric', mods: [10, 2], array: false });
    assert.deepEqual(parseCatalogType('integer[]'), { name: 'int4', mods: [], array: true });
    assert.equal(typeChangeKeepsRows(parseCatalogType('integer[]')!, parseCatalogType('integer')!), false);
  });

  test('volatile defaults: now() and constants are quiet; serial, identity, random() are flagged', async () => {
    const setup = 'CREATE TABLE t (id int);';
    for (const sql of [
      'ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now();',
      'ALTER TABLE t ADD COLUMN a int DEFAULT 0;',
      'ALTER TABLE t ADD COLUMN a timestamptz DEFAULT CURRENT_TIMESTAMP;',
    ]) {
      assert.deepEqual(await runRule(rule('volatile-default'), sql, { setup }), [], sql);
    }
    for (const sql of [
      'ALTER TABLE t ADD COLUMN a float8 DEFAULT random();',
      'ALTER TABLE t ADD COLUMN a bigserial;',
      'ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE t ADD COLUMN a timestamptz DEFAULT clock_timestamp();',
      'ALTER TABLE t ADD COLUMN a text DEFAULT md5(random()::text);',
    ]) {
      assert.equal((await runRule(rule('volatile-default'), sql, { setup })).length, 1, sql);
    }
  });

  test('SET NOT NULL: a validated check constraint already in the schema makes it quiet; one left NOT VALID does not', async () => {
    const proven = 'CREATE TABLE u (email text);\nALTER TABLE u ADD CONSTRAINT u_email_nn CHECK (email IS NOT NULL);';
    assert.deepEqual(await runRule(rule('set-not-null'), 'ALTER TABLE u ALTER COLUMN email SET NOT NULL;', { setup: proven }), []);
    const notValidated = 'ALTER TABLE u ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE u ALTER COLUMN email SET NOT NULL;';
    assert.equal((await runRule(rule('set-not-null'), notValidated, { setup: 'CREATE TABLE u (email text);' })).length, 1);
  });

  test('lock_timeout: SET LOCAL counts, 0 and RESET switch it off again', async () => {
    const setup = 'CREATE TABLE t (id int);';
    assert.deepEqual(await runRule(rule('lock-timeout-missing'), "SET LOCAL lock_timeout TO '2s';\nALTER TABLE t ADD COLUMN a int;", { setup }), []);
    assert.equal((await runRule(rule('lock-timeout-missing'), 'SET lock_timeout = 0;\nALTER TABLE t ADD COLUMN a int;', { setup })).length, 1);
    assert.equal((await runRule(rule('lock-timeout-missing'), "SET lock_timeout = '1s';\nRESET lock_timeout;\nDROP TABLE t;", { setup })).length, 1);
    // A foreign key locks writes on both tables (SHARE ROW EXCLUSIVE): also flagged.
    const fk = await runRule(rule('lock-timeout-missing'), 'ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES p (id) NOT VALID;', {
      setup: 'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int);',
    });
    assert.match(fk[0]!.message, /SHARE ROW EXCLUSIVE/);
    // Once per file, at the first statement, counting the others; CREATE INDEX (SHARE: writes wait) counts.
    const several = await runRule(rule('lock-timeout-missing'), 'CREATE INDEX i ON t (id);\nALTER TABLE t ADD COLUMN a int;\nDROP TABLE t;', { setup });
    assert.equal(several.length, 1);
    assert.match(several[0]!.message, /statement 1 takes SHARE .*and 2 more statements of this file: 2, 3/);
    // VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE: reads and writes run, no finding.
    assert.deepEqual(await runRule(rule('lock-timeout-missing'), 'ALTER TABLE t VALIDATE CONSTRAINT f;', { setup }), []);
  });

  test('statements after an ACCESS EXCLUSIVE lock: counted per transaction, a COMMIT ends the hold', async () => {
    const setup = 'CREATE TABLE t (id int, a int);';
    const found = await runRule(
      rule('statements-after-exclusive-lock'),
      "ALTER TABLE t DROP COLUMN a;\nUPDATE t SET id = id;\nSET x.y = '1';\nCREATE TABLE z (id int);",
      {
        setup,
      },
    );
    assert.equal(found.length, 1);
    assert.match(found[0]!.message, /2 more statements/);
    const split = '-- strata:no-transaction\nBEGIN;\nALTER TABLE t DROP COLUMN a;\nCOMMIT;\nCREATE TABLE z (id int);';
    assert.deepEqual(await runRule(rule('statements-after-exclusive-lock'), split, { setup }), []);
  });

  test('foreign keys: an index created later in the same file, a primary key prefix or an existing index covers them', async () => {
    const later = 'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p_id int REFERENCES p, x int);\nCREATE INDEX ON c (p_id, x);';
    assert.deepEqual(await runRule(rule('fk-without-index'), later), []);
    const pk = 'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p_id int REFERENCES p, x int, PRIMARY KEY (p_id, x));';
    assert.deepEqual(await runRule(rule('fk-without-index'), pk), []);
    const existing = await runRule(rule('fk-without-index'), 'ALTER TABLE c ADD FOREIGN KEY (p_id) REFERENCES p NOT VALID;', {
      setup: 'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (p_id int);\nCREATE INDEX c_p ON c (p_id);',
    });
    assert.deepEqual(existing, []);
    const second = await runRule(
      rule('fk-without-index'),
      'CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (x int, p_id int REFERENCES p);\nCREATE INDEX ON c (x, p_id);',
    );
    assert.equal(second.length, 1, 'an index that does not start with the key does not serve it');
  });

  test('ADD COLUMN ... UNIQUE builds its index under the ALTER lock like ADD CONSTRAINT UNIQUE', async () => {
    const found = await runRule(rule('unique-constraint-without-index'), 'ALTER TABLE jobs ADD COLUMN key text UNIQUE;', { unknown: true });
    assert.equal(found.length, 1);
    assert.deepEqual(await runRule(rule('unique-constraint-without-index'), 'ALTER TABLE jobs ADD COLUMN key text;', { unknown: true }), []);
  });

  test('rename and drop name the views that use the object', async () => {
    const setup = 'CREATE TABLE u (id int, mail text);\nCREATE VIEW u_mail AS SELECT mail FROM u;';
    const dropped = await runRule(rule('drop-in-use'), 'DROP TABLE u CASCADE;', { setup });
    assert.match(dropped[0]!.message, /views using it: u_mail/);
    assert.deepEqual(await runRule(rule('rename-in-use'), 'CREATE TABLE n (a int);\nALTER TABLE n RENAME COLUMN a TO b;'), []);
  });

  test('an enum value used later in the same transaction is called out', async () => {
    const found = await runRule(rule('enum-value-in-transaction'), "ALTER TYPE s ADD VALUE 'x';\nUPDATE t SET s = 'x';", { unknown: true });
    assert.match(found[0]!.message, /later statement of this file uses 'x'/);
  });
});

describe('postgres rules over a sequence of files', () => {
  const files = [
    { path: '0001_orders.sql', family: 'postgres' as const, text: 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n' },
    { path: '0002_index.sql', family: 'postgres' as const, text: 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n' },
  ];
  test('a pending run (migrate): a table an earlier pending file creates is new, so its index is quiet', async () => {
    const { findings } = await lintSequence(files, { start: { kind: 'empty' }, pendingRun: true });
    assert.deepEqual(findings, []);
  });
  test('a history (a folder linted alone): the earlier file ran long ago, so the index is flagged', async () => {
    const { findings } = await lintSequence(files, { start: { kind: 'empty' } });
    assert.deepEqual(
      findings.map((f) => [f.file, f.rule]),
      [
        ['0002_index.sql', 'postgres/index-not-concurrent'],
        ['0002_index.sql', 'postgres/lock-timeout-missing'],
      ],
    );
  });
});

describe('migrate on the PostgreSQL server', { skip: await skipUnlessServer('postgres') }, () => {
  test('a pending CREATE INDEX on a table with rows stops the run before anything is touched; the same index CONCURRENTLY runs', async () => {
    const url = await freshDatabase('postgres', 'lintpg');
    const dir = tempDir('strata-lintpg-');
    writeFiles(dir, {
      'migrations/0001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\nINSERT INTO orders VALUES (1, 1);\n',
    });
    const first = createMigrator({ db: url, dir: join(dir, 'migrations'), backup: false });
    await first.migrate();
    await first.close();
    writeFiles(dir, { 'migrations/0002_index.sql': 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n' });
    const refusing = createMigrator({ db: url, dir: join(dir, 'migrations'), backup: false });
    const error = await rejectsWith(refusing.migrate(), 'PLAN_REJECTED', /index-not-concurrent/);
    assert.ok((error.details.findings as { rule: string }[]).some((f) => f.rule === 'postgres/index-not-concurrent'));
    await refusing.close();
    const indexes = await withPostgres(async (client) => (await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'")).rows, url);
    assert.deepEqual(indexes, [{ indexname: 'orders_pkey' }], 'nothing ran');
    writeFiles(dir, {
      'migrations/0002_index.sql':
        "-- strata:no-transaction\nSET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);\n",
    });
    const safe = createMigrator({ db: url, dir: join(dir, 'migrations'), backup: false });
    await safe.migrate();
    await safe.close();
    const after = await withPostgres(
      async (client) => (await client.query("SELECT indexname FROM pg_indexes WHERE tablename = 'orders' ORDER BY 1")).rows,
      url,
    );
    assert.deepEqual(after, [{ indexname: 'orders_customer_idx' }, { indexname: 'orders_pkey' }]);
  });

  test('a fresh database: the table and its index created by two files of the same run pass', async () => {
    const url = await freshDatabase('postgres', 'lintpg');
    const dir = tempDir('strata-lintpg-');
    writeFiles(dir, {
      'migrations/0001_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n',
      'migrations/0002_index.sql': 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n',
    });
    const api = createMigrator({ db: url, dir: join(dir, 'migrations'), backup: false });
    await api.migrate();
    await api.close();
  });
});

describe('the PostgreSQL parser', () => {
  test('fills ast on up and down; a statement it refuses is a postgres/syntax-error finding naming the statement', async () => {
    const file = await lintFileOf('CREATE TABLE t (a int);\nCREATE TABLE oops (;\n', 'postgres', { down: 'DROP TABLE t;' });
    assert.ok((file.up[0]!.ast as Record<string, unknown>).CreateStmt);
    assert.equal(file.up[1]!.ast, undefined);
    assert.ok((file.down![0]!.ast as Record<string, unknown>).DropStmt);
    const findings = rule('syntax-error').check(file, unknownSchema());
    assert.equal(findings.length, 1);
    assert.equal(findings[0]!.statement?.index, 2);
    assert.match(findings[0]!.message, /refuses statement 2: syntax error/);
    assert.deepEqual(rule('parser-missing').check(file, unknownSchema()), []);
  });

  test('every rule skips a statement with no tree', async () => {
    const file = await lintFileOf('CREATE INDEX oops ON ;\n', 'postgres');
    for (const r of POSTGRES_RULES) if (r.id !== 'postgres/syntax-error') assert.deepEqual(r.check(file, unknownSchema()), [], r.id);
  });

  test('without libpg-query: lint is DRIVER_MISSING with the install command; the engine reports one parser-missing warning per file and no other postgres finding', async () => {
    const restore = replacePostgresParserImport(() => Promise.reject(MISSING));
    try {
      await assert.rejects(requirePostgresParser(), (error: StrataError) => {
        assert.equal(error.code, ErrorCode.DRIVER_MISSING);
        assert.match(error.hint ?? '', /npm install libpg-query/);
        return true;
      });
      const result = await lintSequence([{ path: '0001_index.sql', family: 'postgres', text: 'CREATE INDEX i ON orders (customer_id);\n' }]);
      assert.deepEqual(
        result.findings.map((f) => [f.rule, f.severity]),
        [['postgres/parser-missing', 'warn']],
      );
      assert.match(result.findings[0]!.hint!, /npm install --save-dev libpg-query/);
    } finally {
      restore();
    }
    // Installed again: the next lint parses.
    const result = await lintSequence([{ path: '0001_index.sql', family: 'postgres', text: 'CREATE INDEX i ON orders (customer_id);\n' }]);
    assert.ok(result.findings.some((f) => f.rule === 'postgres/index-not-concurrent'));
    assert.ok(!result.findings.some((f) => f.rule === 'postgres/parser-missing'));
  });

  test('through the engine: ignores with a reason silence a postgres finding, config severities apply', async () => {
    const text = '-- strata-ignore postgres/index-not-concurrent: orders is empty until launch\nCREATE INDEX i ON orders (customer_id);\n';
    const result = await lintSequence([{ path: '0001_index.sql', family: 'postgres', text }], {
      severities: ruleSeverities({ 'postgres/lock-timeout-missing': 'off' }),
    });
    assert.deepEqual(result.findings, []);
  });
});
