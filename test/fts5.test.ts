/**
 * FTS5 helpers: the generated SQL against exact strings, then its behaviour on real SQLite files,
 * directly through better-sqlite3 and through createMigrator (code migrations and a .sql file).
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { createMigrator, fts5, isStrataError, parseSqlMigration, StrataError } from '../src/index.js';
import type { Fts5ExternalContentOptions, SqlContext } from '../src/index.js';
import { ROOT, tempDir, writeFiles } from './helpers.js';

const KNOWLEDGE: Fts5ExternalContentOptions = {
  table: 'knowledge_fts',
  source: 'knowledge_entries',
  columns: ['title', 'content'],
  rowid: 'id',
  tokenize: 'porter unicode61',
  prefix: [2, 3],
};

const SOURCE_DDL = 'CREATE TABLE knowledge_entries (id INTEGER PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL, source TEXT)';

function ids(db: Database.Database, query: string, table = 'knowledge_fts'): number[] {
  return db
    .prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid`)
    .all(query)
    .map((row) => (row as { rowid: number }).rowid);
}

function schemaNames(db: Database.Database): string[] {
  return db
    .prepare("SELECT type || ' ' || name AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all()
    .map((row) => (row as { n: string }).n);
}

function run(db: Database.Database, statements: string | string[]): void {
  for (const sql of typeof statements === 'string' ? [statements] : statements) db.exec(sql);
}

function assertInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isStrataError(error), `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, 'MIGRATION_INVALID');
    assert.match(error.message, pattern);
    assert.ok(error.hint, 'a hint says what to do');
    return true;
  });
}

describe('fts5.externalContent: generated SQL', () => {
  const fts = fts5.externalContent(KNOWLEDGE);

  it('create(): the virtual table and the three sync triggers of SQLite docs 4.4.3', () => {
    assert.deepEqual(fts.create(), [
      `CREATE VIRTUAL TABLE "knowledge_fts" USING fts5("title", "content", content='knowledge_entries', content_rowid='id', tokenize='porter unicode61', prefix='2 3')`,
      `CREATE TRIGGER "knowledge_fts_ai" AFTER INSERT ON "knowledge_entries" BEGIN\n` +
        `  INSERT INTO "knowledge_fts"(rowid, "title", "content") VALUES (new."id", new."title", new."content");\n` +
        `END`,
      `CREATE TRIGGER "knowledge_fts_ad" AFTER DELETE ON "knowledge_entries" BEGIN\n` +
        `  INSERT INTO "knowledge_fts"("knowledge_fts", rowid, "title", "content") VALUES ('delete', old."id", old."title", old."content");\n` +
        `END`,
      `CREATE TRIGGER "knowledge_fts_au" AFTER UPDATE ON "knowledge_entries" BEGIN\n` +
        `  INSERT INTO "knowledge_fts"("knowledge_fts", rowid, "title", "content") VALUES ('delete', old."id", old."title", old."content");\n` +
        `  INSERT INTO "knowledge_fts"(rowid, "title", "content") VALUES (new."id", new."title", new."content");\n` +
        `END`,
    ]);
    assert.deepEqual(fts.create(), [fts.createTable(), ...fts.createTriggers()]);
  });

  it('populate(), rebuild(), optimize(), integrityCheck()', () => {
    assert.equal(fts.populate(), `INSERT INTO "knowledge_fts"("knowledge_fts") VALUES('rebuild')`);
    assert.equal(fts.rebuild(), `INSERT INTO "knowledge_fts"("knowledge_fts") VALUES('rebuild')`);
    assert.equal(fts.optimize(), `INSERT INTO "knowledge_fts"("knowledge_fts") VALUES('optimize')`);
    assert.equal(fts.integrityCheck(), `INSERT INTO "knowledge_fts"("knowledge_fts", rank) VALUES('integrity-check', 1)`);
  });

  it('drop(): the triggers, then the table', () => {
    assert.deepEqual(fts.dropTriggers(), [
      'DROP TRIGGER IF EXISTS "knowledge_fts_ai"',
      'DROP TRIGGER IF EXISTS "knowledge_fts_ad"',
      'DROP TRIGGER IF EXISTS "knowledge_fts_au"',
    ]);
    assert.deepEqual(fts.drop(), [...fts.dropTriggers(), 'DROP TABLE IF EXISTS "knowledge_fts"']);
  });

  it('sqlMigration(): a dbmate-style file Strata parses into the same statements', () => {
    const text = fts.sqlMigration();
    assert.equal(
      text,
      [
        '-- migrate:up',
        '-- FTS5 index knowledge_fts over knowledge_entries(title, content), kept in sync by triggers',
        ...fts.create().map((s) => `${s};`),
        `INSERT INTO "knowledge_fts"("knowledge_fts") VALUES('rebuild');`,
        '',
        '-- migrate:down',
        'DROP TRIGGER IF EXISTS "knowledge_fts_ai";',
        'DROP TRIGGER IF EXISTS "knowledge_fts_ad";',
        'DROP TRIGGER IF EXISTS "knowledge_fts_au";',
        'DROP TABLE IF EXISTS "knowledge_fts";',
        '',
      ].join('\n'),
    );
    const parsed = parseSqlMigration(text, 'sqlite');
    assert.deepEqual(
      parsed.up.statements.map((s) => s.sql),
      [...fts.create(), fts.populate()],
    );
    assert.deepEqual(
      parsed.down?.statements.map((s) => s.sql),
      fts.drop(),
    );
  });

  it('defaults: no content_rowid (the rowid), no tokenize or prefix, trigger prefix option', () => {
    const plain = fts5.externalContent({ table: 'notes_fts', source: 'notes', columns: ['body'], triggerPrefix: 'notes_search' });
    assert.deepEqual(plain.create(), [
      `CREATE VIRTUAL TABLE "notes_fts" USING fts5("body", content='notes')`,
      `CREATE TRIGGER "notes_search_ai" AFTER INSERT ON "notes" BEGIN\n  INSERT INTO "notes_fts"(rowid, "body") VALUES (new.rowid, new."body");\nEND`,
      `CREATE TRIGGER "notes_search_ad" AFTER DELETE ON "notes" BEGIN\n  INSERT INTO "notes_fts"("notes_fts", rowid, "body") VALUES ('delete', old.rowid, old."body");\nEND`,
      `CREATE TRIGGER "notes_search_au" AFTER UPDATE ON "notes" BEGIN\n` +
        `  INSERT INTO "notes_fts"("notes_fts", rowid, "body") VALUES ('delete', old.rowid, old."body");\n` +
        `  INSERT INTO "notes_fts"(rowid, "body") VALUES (new.rowid, new."body");\nEND`,
    ]);
    assert.deepEqual(plain.options, {
      table: 'notes_fts',
      source: 'notes',
      columns: ['body'],
      rowid: 'rowid',
      triggerPrefix: 'notes_search',
      tokenize: undefined,
      prefix: undefined,
    });
  });

  it('quotes in tokenize are doubled inside its string literal', () => {
    const sql = fts5.externalContent({ table: 't_fts', source: 't', columns: ['x'], tokenize: "unicode61 tokenchars '-_'" }).createTable();
    assert.equal(sql, `CREATE VIRTUAL TABLE "t_fts" USING fts5("x", content='t', tokenize='unicode61 tokenchars ''-_''')`);
  });
});

describe('fts5.externalContent: refuses what is not a plain identifier', () => {
  const base = { table: 'knowledge_fts', source: 'knowledge_entries', columns: ['title'] };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a table name with a space', { table: 'knowledge fts' }, /table "knowledge fts" is not a plain identifier/],
    [
      'an injection in the table name',
      { table: 'x"; DROP TABLE knowledge_entries; --' },
      /table "x\\"; DROP TABLE knowledge_entries; --" is not a plain identifier/,
    ],
    ['a name starting with a digit', { table: '1fts' }, /table "1fts" is not a plain identifier/],
    ['an empty name', { table: '' }, /table "" is not a plain identifier/],
    ['a schema-qualified source', { source: 'main.knowledge_entries' }, /source table "main.knowledge_entries" is not a plain identifier/],
    ['a quoted column', { columns: ['title', '"content"'] }, /column "\\"content\\"" is not a plain identifier/],
    ['a non-string column', { columns: ['title', 42] }, /column 42 is not a plain identifier/],
    ['a bad rowid column', { rowid: 'id)' }, /rowid column "id\)" is not a plain identifier/],
    ['a bad trigger prefix', { triggerPrefix: 'a-b' }, /trigger prefix "a-b" is not a plain identifier/],
    ['no columns', { columns: [] }, /columns must be a non-empty array/],
    ['a reserved column', { columns: ['title', 'RANK'] }, /column "RANK" is reserved by FTS5/],
    ['a duplicate column', { columns: ['title', 'Title'] }, /column "Title" is listed twice/],
    ['a column named like the FTS table', { columns: ['knowledge_fts'] }, /has the FTS table's own name/],
    ['the same table and source', { source: 'KNOWLEDGE_FTS' }, /table and source are both "knowledge_fts"/],
    ['a tokenize with a newline', { tokenize: "porter\n'); DROP TABLE x; --" }, /tokenize .* is not a tokenizer specification/],
    ['an empty tokenize', { tokenize: ' ' }, /tokenize " " is not a tokenizer specification/],
    ['a prefix of 0', { prefix: [0, 2] }, /prefix \[0,2\] must be a non-empty array of integers from 1 to 999/],
    ['a fractional prefix', { prefix: [2.5] }, /prefix \[2.5\] must be/],
  ];
  for (const [what, change, pattern] of cases) {
    it(what, () => assertInvalid(() => fts5.externalContent({ ...base, ...change } as unknown as Fts5ExternalContentOptions), pattern));
  }

  it('the same options without the fault are accepted (the cases above fail for their fault alone)', () => {
    assert.doesNotThrow(() => fts5.externalContent({ ...base, rowid: 'id', triggerPrefix: 'kf', tokenize: 'porter', prefix: [1, 999] }));
  });
});

describe('fts5 on a real SQLite file (better-sqlite3)', () => {
  it("better-sqlite3's SQLite is compiled with FTS5", () => {
    const db = new Database(':memory:');
    const options = db.pragma('compile_options') as Array<{ compile_options: string }>;
    db.close();
    assert.ok(options.some((o) => o.compile_options === 'ENABLE_FTS5'));
  });

  it('populates existing rows and follows inserts, updates and deletes; down leaves the source', () => {
    const path = join(tempDir('strata-fts5-'), 'knowledge.db');
    const db = new Database(path);
    const fts = fts5.externalContent(KNOWLEDGE);
    db.exec(SOURCE_DDL);
    const insert = db.prepare('INSERT INTO knowledge_entries (id, title, content) VALUES (?, ?, ?)');
    insert.run(1, 'Graph migrations', 'Topological order of categories');
    insert.run(2, 'Backups', 'Retention for thirty days');

    run(db, fts.create());
    assert.deepEqual(ids(db, 'topological'), [], 'external content is not indexed before populate');
    run(db, fts.populate());
    assert.deepEqual(ids(db, 'topological'), [1]);
    assert.deepEqual(ids(db, 'retention'), [2]);
    assert.deepEqual(ids(db, 'migrat*'), [1], 'porter stemming / prefix queries work');

    insert.run(3, 'Search', 'Triggers keep the index in sync');
    assert.deepEqual(ids(db, 'triggers'), [3]);
    assert.deepEqual(ids(db, 'title:search'), [3], 'columns keep their names');

    db.prepare('UPDATE knowledge_entries SET content = ? WHERE id = ?').run('Kept for ninety days', 2);
    assert.deepEqual(ids(db, 'retention'), [], 'old text no longer matches');
    assert.deepEqual(ids(db, 'ninety'), [2], 'new text matches');
    db.prepare('UPDATE knowledge_entries SET source = ? WHERE id = ?').run('docs', 1);
    assert.deepEqual(ids(db, 'topological'), [1], 'an update of another column keeps the row indexed');

    db.prepare('DELETE FROM knowledge_entries WHERE id = ?').run(3);
    assert.deepEqual(ids(db, 'triggers'), []);
    assert.doesNotThrow(() => run(db, fts.integrityCheck()));

    const row = db.prepare("SELECT rowid, title, content FROM knowledge_fts WHERE knowledge_fts MATCH 'ninety'").get();
    assert.deepEqual(row, { rowid: 2, title: 'Backups', content: 'Kept for ninety days' }, 'columns are read from the content table');

    run(db, fts.drop());
    assert.deepEqual(schemaNames(db), ['table knowledge_entries']);
    assert.equal((db.prepare('SELECT count(*) AS n FROM knowledge_entries').get() as { n: number }).n, 2);
    insert.run(4, 'After', 'no triggers left to fail');
    db.close();
  });

  it('integrityCheck() catches an index out of step with its source; rebuild() repairs it', () => {
    const db = new Database(join(tempDir('strata-fts5-'), 'drift.db'));
    const fts = fts5.externalContent(KNOWLEDGE);
    db.exec(SOURCE_DDL);
    db.prepare('INSERT INTO knowledge_entries (id, title, content) VALUES (1, ?, ?)').run('Alpha', 'first words');
    run(db, [...fts.create(), fts.populate()]);
    run(db, fts.dropTriggers());
    db.exec("UPDATE knowledge_entries SET content = 'changed behind its back'");
    assert.throws(() => run(db, fts.integrityCheck()), /checksum mismatch|malformed/);
    run(db, fts.rebuild());
    run(db, fts.integrityCheck());
    assert.deepEqual(ids(db, 'behind'), [1]);
    assert.deepEqual(ids(db, 'first'), []);
    db.close();
  });

  it('optimize() merges the index into one segment and keeps results', () => {
    const db = new Database(join(tempDir('strata-fts5-'), 'optimize.db'));
    const fts = fts5.externalContent(KNOWLEDGE);
    db.exec(SOURCE_DDL);
    run(db, fts.create());
    const insert = db.prepare('INSERT INTO knowledge_entries (title, content) VALUES (?, ?)');
    for (let k = 0; k < 6; k++) insert.run(`note ${k}`, `common word${k}`);
    const segments = (): number => (db.prepare('SELECT count(DISTINCT segid) AS n FROM knowledge_fts_idx').get() as { n: number }).n;
    assert.ok(segments() > 1, `separate commits make separate segments (${segments()})`);
    run(db, fts.optimize());
    assert.equal(segments(), 1);
    assert.deepEqual(ids(db, 'common'), [1, 2, 3, 4, 5, 6]);
    run(db, fts.integrityCheck());
    db.close();
  });

  it("a tokenize with quotes reaches FTS5 intact (tokenchars '-_')", () => {
    const db = new Database(':memory:');
    const fts = fts5.externalContent({ table: 'tags_fts', source: 'tags', columns: ['label'], tokenize: "unicode61 tokenchars '-_'" });
    db.exec("CREATE TABLE tags (label TEXT); INSERT INTO tags VALUES ('multi-db'), ('multi db')");
    run(db, [...fts.create(), fts.populate()]);
    assert.deepEqual(ids(db, '"multi-db"', 'tags_fts'), [1], 'the hyphen is part of the token, so row 2 does not match');
    db.close();
  });
});

describe('fts5 through createMigrator', () => {
  const fts = fts5.externalContent(KNOWLEDGE);
  function sourceMigration(): { version: number; name: string; up: (ctx: SqlContext) => Promise<void>; down: (ctx: SqlContext) => Promise<void> } {
    return {
      version: 1,
      name: 'knowledge_entries',
      up: async (ctx) => {
        await ctx.exec(SOURCE_DDL);
        await ctx.run("INSERT INTO knowledge_entries (id, title, content) VALUES (1, 'Existing', 'indexed by populate')");
      },
      down: (ctx) => ctx.exec('DROP TABLE knowledge_entries'),
    };
  }

  it('a code migration using up/down: search, rollback, migrate again', async () => {
    const path = join(tempDir('strata-fts5-'), 'app.db');
    const migrator = createMigrator({ db: path, backup: false });
    migrator.register(sourceMigration()).register({ version: 2, name: 'knowledge_fts', up: fts.up, down: fts.down });
    const report = await migrator.migrate();
    assert.deepEqual(
      report.results.map((r) => `${r.version}:${r.status}`),
      ['1:applied', '2:applied'],
    );

    const db = new Database(path);
    assert.deepEqual(ids(db, 'populate'), [1], 'the row that existed before the FTS table is indexed');
    db.prepare('INSERT INTO knowledge_entries (id, title, content) VALUES (?, ?, ?)').run(2, 'Fresh', 'inserted later');
    db.prepare("UPDATE knowledge_entries SET content = 'rewritten text' WHERE id = 1").run();
    assert.deepEqual(ids(db, 'inserted'), [2]);
    assert.deepEqual(ids(db, 'populate'), []);
    assert.deepEqual(ids(db, 'rewritten'), [1]);
    db.prepare('DELETE FROM knowledge_entries WHERE id = 2').run();
    assert.deepEqual(ids(db, 'inserted'), []);
    run(db, [fts.rebuild(), fts.optimize(), fts.integrityCheck()]);
    assert.deepEqual(ids(db, 'rewritten'), [1]);

    await migrator.rollback({ to: 1 });
    assert.deepEqual(
      schemaNames(db).filter((n) => !n.includes('strata_migrations')),
      ['table knowledge_entries'],
      'the FTS table, its shadow tables and the triggers are gone',
    );
    db.prepare('INSERT INTO knowledge_entries (id, title, content) VALUES (?, ?, ?)').run(3, 'Meanwhile', 'written while rolled back');
    assert.equal((db.prepare('SELECT count(*) AS n FROM knowledge_entries').get() as { n: number }).n, 2);

    await migrator.migrate();
    assert.deepEqual(ids(db, 'rewritten OR meanwhile'), [1, 3]);
    run(db, fts.integrityCheck());
    assert.equal((await migrator.status()).currentVersion, '2');
    db.close();
    await migrator.close();
  });

  it('the sqlMigration() text as a file in a migrations folder', async () => {
    const root = tempDir('strata-fts5-');
    writeFiles(root, {
      'migrations/0001_knowledge_entries.sql': `-- migrate:up\n${SOURCE_DDL};\nINSERT INTO knowledge_entries (title, content) VALUES ('From a file', 'dbmate sections');\n-- migrate:down\nDROP TABLE knowledge_entries;\n`,
    });
    writeFileSync(join(root, 'migrations', '0002_knowledge_fts.sql'), fts.sqlMigration());
    const path = join(root, 'app.db');
    const migrator = createMigrator({ db: path, dir: join(root, 'migrations'), backup: false });
    await migrator.migrate();
    const db = new Database(path);
    assert.deepEqual(ids(db, 'dbmate'), [1]);
    db.prepare("INSERT INTO knowledge_entries (title, content) VALUES ('Second', 'trigger from file')").run();
    assert.deepEqual(ids(db, 'trigger'), [2]);
    await migrator.rollback({ to: 1 });
    assert.deepEqual(
      schemaNames(db).filter((n) => !n.includes('strata_migrations')),
      ['table knowledge_entries'],
    );
    await migrator.migrate();
    assert.deepEqual(ids(db, 'dbmate OR trigger'), [1, 2]);
    db.close();
    await migrator.close();
  });

  it('a module migration file exporting up/down from the helper (the README pattern)', async () => {
    const root = tempDir('strata-fts5-');
    const helper = pathToFileURL(join(ROOT, 'src', 'targets', 'sql', 'sqlite', 'fts5.ts')).href;
    writeFiles(root, {
      'migrations/0001_knowledge_entries.sql': `-- migrate:up\n${SOURCE_DDL};\nINSERT INTO knowledge_entries (title, content) VALUES ('Module', 'loaded at run time');\n-- migrate:down\nDROP TABLE knowledge_entries;\n`,
      'migrations/0002_knowledge_fts.ts': `import { fts5 } from ${JSON.stringify(helper)};\n\nconst search = fts5.externalContent(${JSON.stringify(KNOWLEDGE)});\nexport const up = search.up;\nexport const down = search.down;\n`,
    });
    const path = join(root, 'app.db');
    const migrator = createMigrator({ db: path, dir: join(root, 'migrations'), backup: false });
    assert.deepEqual(
      (await migrator.migrate()).results.map((r) => `${r.version}:${r.status}`),
      ['1:applied', '2:applied'],
    );
    const db = new Database(path);
    assert.deepEqual(ids(db, 'runtime OR run'), [1]);
    await migrator.rollback({ to: 1 });
    assert.deepEqual(
      schemaNames(db).filter((n) => !n.includes('strata_migrations')),
      ['table knowledge_entries'],
    );
    db.close();
    await migrator.close();
  });

  it('up(ctx) names a missing source column instead of failing later inside FTS5, and applies nothing', async () => {
    const path = join(tempDir('strata-fts5-'), 'app.db');
    const migrator = createMigrator({ db: path, backup: false });
    const wrong = fts5.externalContent({ ...KNOWLEDGE, columns: ['title', 'body'] });
    migrator.register(sourceMigration()).register({ version: 2, name: 'knowledge_fts', up: wrong.up, down: wrong.down });
    await assert.rejects(migrator.migrate(), (error: unknown) => {
      assert.ok(error instanceof StrataError);
      assert.equal(error.code, 'MIGRATION_FAILED');
      assert.match(error.message, /source table "knowledge_entries" has no column "body"/);
      return true;
    });
    assert.equal((await migrator.status()).currentVersion, '1');
    await migrator.close();
    const db = new Database(path);
    assert.deepEqual(
      schemaNames(db).filter((n) => !n.includes('strata_migrations')),
      ['table knowledge_entries'],
    );
    db.close();
  });

  it('up(ctx) refuses a missing source table and a non-SQLite ctx before running anything', async () => {
    const executed: string[] = [];
    const missing = { dialect: 'sqlite', exec: async (sql: string) => void executed.push(sql), query: async <T>() => [] as T[] };
    await assert.rejects(fts.up(missing), /source table "knowledge_entries" does not exist/);
    const postgres = { dialect: 'postgres', exec: async (sql: string) => void executed.push(sql) };
    await assert.rejects(
      fts.up(postgres),
      (error: unknown) =>
        isStrataError(error) && error.code === 'MIGRATION_INVALID' && /FTS5 is a SQLite feature; this migration runs on postgres/.test(error.message),
    );
    await assert.rejects(fts.down(postgres), /FTS5 is a SQLite feature/);
    assert.equal(executed.length, 0, executed.join('\n'));
    // Without query() there is nothing to check: the statements run in order.
    await fts.up({ exec: (sql: string) => void executed.push(sql) });
    assert.deepEqual(executed, [...fts.create(), fts.populate()]);
  });
});
