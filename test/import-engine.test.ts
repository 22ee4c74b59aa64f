/**
 * The import engine on real SQLite files: order, counts, validation, malformed input, cancel,
 * retry, a process killed mid-run, foreign keys, dry runs and the event sequence. Sources are
 * small in-test TableReaders (the real readers have their own tests).
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { EventChannel } from '../src/events.js';
import { StrataError } from '../src/model/errors.js';
import { importStatus, runImport, tableImporter, type Importer, type TableReader } from '../src/import/index.js';
import { exec, ROOT, tempDir } from './helpers.js';

/** A TableReader over an array: optional delay per batch, a throw at a row, a wrong declared count. */
function arrayReader<Row>(
  name: string,
  rows: Row[],
  options: { delayMs?: number; failAt?: number; declared?: number; failError?: () => Error } = {},
): TableReader<Row> {
  return {
    name,
    async count() {
      return options.declared ?? rows.length;
    },
    async *batches(size: number, signal?: AbortSignal) {
      for (let start = 0; start < rows.length; start += size) {
        if (signal?.aborted) return;
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (options.failAt !== undefined && options.failAt < start + size) {
          throw (
            options.failError?.() ??
            new StrataError('DOCUMENT_INVALID', `${name}: row ${options.failAt}: unexpected end of JSON`, { details: { table: name, row: options.failAt } })
          );
        }
        yield rows.slice(start, start + size);
      }
    },
    async sample(n: number) {
      return rows.slice(0, n);
    },
  };
}

const SCHEMA = `
CREATE TABLE app_state (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE author (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author(id), title TEXT NOT NULL, meta TEXT);
CREATE TABLE untouched (v TEXT);
INSERT INTO untouched VALUES ('keep me');
`;

function target(): string {
  const path = join(tempDir('strata-import-'), 'app.db');
  exec(path, SCHEMA);
  return path;
}

const authors = (n: number) => Array.from({ length: n }, (_, k) => ({ id: k + 1, name: `author ${k + 1}` }));
const books = (n: number, authorsCount: number) =>
  Array.from({ length: n }, (_, k) => ({ id: k + 1, authorId: (k % authorsCount) + 1, title: `book ${k + 1}`, meta: { pages: k } }));

type Sources = { authors: TableReader<{ id: number; name: string }>; books: TableReader<{ id: number; authorId: number; title: string; meta: unknown }> };

function authorImporter(order = 10): Importer<Sources> {
  return tableImporter<Sources>({
    id: 'authors',
    name: 'Authors',
    order,
    source: (s) => s.authors,
    table: 'author',
    map: (row, ctx) => {
      const ids = (ctx.sharedData.get('authorIds') as Set<number> | undefined) ?? new Set<number>();
      ctx.sharedData.set('authorIds', ids.add(row.id));
      return { id: row.id, name: row.name };
    },
    batchSize: 7,
  });
}

function bookImporter(order = 20, extra: Partial<Parameters<typeof tableImporter<Sources>>[0]> = {}): Importer<Sources> {
  return tableImporter<Sources>({
    id: 'books',
    name: 'Books',
    order,
    source: (s) => s.books,
    table: 'book',
    map: (row, ctx) => {
      const ids = ctx.sharedData.get('authorIds') as Set<number>;
      // Skips books by unknown authors (counted as skipped, not lost).
      if (!ids.has(row.authorId)) return null;
      return { id: row.id, author_id: row.authorId, title: row.title, meta: row.meta };
    },
    batchSize: 10,
    ...extra,
  });
}

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

function statusOf(path: string): Record<string, unknown> {
  const db = new Database(path, { readonly: true });
  try {
    const raw = db.prepare("SELECT value FROM app_state WHERE key = 'migration_v2_status'").pluck().get() as string | undefined;
    return raw ? JSON.parse(raw) : { state: 'not-started' };
  } finally {
    db.close();
  }
}

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<StrataError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StrataError, `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}, but the run succeeded`);
}

describe('import engine', () => {
  test('runs importers by order, passes sharedData between them, and reaches exact counts', async () => {
    const db = target();
    const sources: Sources = { authors: arrayReader('authors', authors(20)), books: arrayReader('books', books(95, 25)) };
    // Given out of order: books (20) needs the author ids that authors (10) puts in sharedData.
    const report = await runImport({ db, importers: [bookImporter(), authorImporter()], sources, backup: false });
    assert.equal(report.status, 'completed');
    assert.deepEqual(
      report.importers.map((r) => r.id),
      ['authors', 'books'],
    );
    assert.equal(count(db, 'author'), 20);
    // Authors 21-25 do not exist: their books (4 per author... every 25th) are skipped, not lost.
    const skipped = books(95, 25).filter((b) => b.authorId > 20).length;
    assert.equal(count(db, 'book'), 95 - skipped);
    const bookResult = report.importers[1]!;
    assert.deepEqual([bookResult.sourceCount, bookResult.targetCount, bookResult.skippedCount], [95, 95 - skipped, skipped]);
    assert.equal(statusOf(db).state, 'completed');
    assert.equal(count(db, 'untouched'), 1);
    // Values stored as SQLite values: objects as JSON.
    const meta = new Database(db, { readonly: true }).prepare('SELECT meta FROM book WHERE id = 3').pluck().get();
    assert.equal(meta, '{"pages":2}');
  });

  test('a completed import is not run again unless asked; a rerun is idempotent', async () => {
    const db = target();
    const sources = () => ({ authors: arrayReader('authors', authors(12)), books: arrayReader('books', books(30, 12)) });
    await runImport({ db, importers: [authorImporter(), bookImporter()], sources: sources(), backup: false });
    const again = await runImport({ db, importers: [authorImporter(), bookImporter()], sources: sources(), backup: false });
    assert.equal(again.status, 'already-completed');
    const rerun = await runImport({ db, importers: [authorImporter(), bookImporter()], sources: sources(), backup: false, rerun: true });
    assert.equal(rerun.status, 'completed');
    assert.equal(count(db, 'author'), 12);
    assert.equal(count(db, 'book'), 30);
  });

  test('a count mismatch fails the run and leaves the target tables empty', async () => {
    const db = target();
    // Duplicate ids with INSERT OR IGNORE: 10 rows read, 5 stored, none skipped.
    const dupes = [...authors(5), ...authors(5)];
    const sources: Sources = { authors: arrayReader('authors', dupes), books: arrayReader('books', []) };
    const importer = tableImporter<Sources>({
      id: 'authors',
      name: 'Authors',
      order: 1,
      source: (s) => s.authors,
      table: 'author',
      map: (r) => r,
      onConflict: 'ignore',
    });
    const error = await rejects(
      runImport({ db, importers: [importer], sources, backup: false }),
      'IMPORT_VALIDATION_FAILED',
      /5 rows in the target, expected at least 10/,
    );
    assert.equal((error.details.importers as { status: string }[])[0]!.status, 'failed');
    assert.equal(count(db, 'author'), 0);
    const status = statusOf(db);
    assert.equal(status.state, 'failed');
    assert.equal(status.code, 'IMPORT_VALIDATION_FAILED');
    assert.equal(status.importer, 'authors');
    // A source that yields fewer rows than it declares (a Dexie export's rowCount): the same.
    const short: Sources = { authors: arrayReader('authors', authors(10), { declared: 12 }), books: arrayReader('books', []) };
    await rejects(
      runImport({ db, importers: [authorImporter()], sources: short, backup: false }),
      'IMPORT_VALIDATION_FAILED',
      /10 rows in the target, expected at least 12.*the source declared 12 rows but 10 were read/,
    );
    assert.equal(count(db, 'author'), 0);
  });

  test("an importer's own validation errors fail the run", async () => {
    const db = target();
    const sources: Sources = { authors: arrayReader('authors', authors(3)), books: arrayReader('books', []) };
    const importer = tableImporter<Sources>({
      id: 'authors',
      order: 1,
      source: (s) => s.authors,
      table: 'author',
      map: (r) => r,
      check: (ctx) =>
        ctx.db.prepare("SELECT count(*) FROM author WHERE name LIKE 'author%'").pluck().get() === 3 ? ['every author still has a placeholder name'] : [],
    });
    await rejects(runImport({ db, importers: [importer], sources, backup: false }), 'IMPORT_VALIDATION_FAILED', /placeholder name/);
    assert.equal(count(db, 'author'), 0);
  });

  test('malformed input mid-stream: a coded error naming the table and row, the target clean, earlier importers undone', async () => {
    const db = target();
    const sources: Sources = { authors: arrayReader('authors', authors(10)), books: arrayReader('books', books(50, 10), { failAt: 37 }) };
    const error = await rejects(
      runImport({ db, importers: [authorImporter(), bookImporter()], sources, backup: false }),
      'DOCUMENT_INVALID',
      /importer "books": books: row 37/,
    );
    assert.match(error.hint ?? '', /cleared/);
    assert.equal(count(db, 'author'), 0, 'the authors imported before the failure are cleared too');
    assert.equal(count(db, 'book'), 0);
    assert.equal(count(db, 'untouched'), 1);
    const status = statusOf(db);
    assert.deepEqual([status.state, status.importer, status.code], ['failed', 'books', 'DOCUMENT_INVALID']);
    // A retry with a sound source starts clean and completes.
    const fixed: Sources = { authors: arrayReader('authors', authors(10)), books: arrayReader('books', books(50, 10)) };
    await runImport({ db, importers: [authorImporter(), bookImporter()], sources: fixed, backup: false });
    assert.deepEqual([count(db, 'author'), count(db, 'book')], [10, 50]);
  });

  test('a mapping that throws, or returns columns the table lacks, is IMPORT_ROW_INVALID', async () => {
    const db = target();
    const sources: Sources = { authors: arrayReader('authors', authors(4)), books: arrayReader('books', []) };
    const throws = tableImporter<Sources>({
      id: 'a',
      order: 1,
      source: (s) => s.authors,
      table: 'author',
      map: (r) => {
        if (r.id === 3) throw new Error('no name');
        return r;
      },
    });
    await rejects(runImport({ db, importers: [throws], sources, backup: false }), 'IMPORT_ROW_INVALID', /authors row 2: map\(\) threw: no name/);
    const extra = tableImporter<Sources>({ id: 'a', order: 1, source: (s) => s.authors, table: 'author', map: (r) => (r.id === 2 ? { ...r, age: 3 } : r) });
    await rejects(
      runImport({ db, importers: [extra], sources: { ...sources, authors: arrayReader('authors', authors(4)) }, backup: false }),
      'IMPORT_ROW_INVALID',
      /column "age"/,
    );
    assert.equal(count(db, 'author'), 0);
  });

  test('cancel stops between batches, clears the target, records cancelled; a retry then completes', async () => {
    const db = target();
    const controller = new AbortController();
    const events = new EventChannel();
    let progressed = 0;
    events.on('import:progress', (e) => {
      if (e.id === 'books' && ++progressed === 2) controller.abort();
    });
    const sources: Sources = { authors: arrayReader('authors', authors(10)), books: arrayReader('books', books(100, 10), { delayMs: 5 }) };
    await rejects(
      runImport({ db, importers: [authorImporter(), bookImporter()], sources, signal: controller.signal, events, backup: false }),
      'IMPORT_CANCELLED',
    );
    assert.equal(progressed, 2, 'no batch ran after the cancel');
    assert.deepEqual([count(db, 'author'), count(db, 'book')], [0, 0]);
    assert.equal(statusOf(db).state, 'cancelled');
    const retry = await runImport({
      db,
      importers: [authorImporter(), bookImporter()],
      sources: { authors: arrayReader('authors', authors(10)), books: arrayReader('books', books(100, 10)) },
      backup: false,
    });
    assert.equal(retry.status, 'completed');
    assert.deepEqual([count(db, 'author'), count(db, 'book')], [10, 100]);
  });

  test('retry after a failure is clean and idempotent (AUTOINCREMENT counters reset too)', async () => {
    const db = target();
    const raw = new Database(db);
    raw.exec('CREATE TABLE note (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT)');
    raw.close();
    const notes = Array.from({ length: 25 }, (_, k) => ({ body: `n${k}` }));
    const importer = (fail: boolean) =>
      tableImporter<{ notes: TableReader<{ body: string }> }>({ id: 'notes', order: 1, source: (s) => s.notes, table: 'note', map: (r) => r, batchSize: 10 });
    await rejects(
      runImport({ db, importers: [importer(true)], sources: { notes: arrayReader('notes', notes, { failAt: 20 }) }, backup: false }),
      'DOCUMENT_INVALID',
    );
    assert.equal(count(db, 'note'), 0);
    for (let k = 0; k < 2; k++) {
      await runImport({ db, importers: [importer(false)], sources: { notes: arrayReader('notes', notes) }, backup: false, rerun: true });
      const check = new Database(db, { readonly: true });
      assert.deepEqual(check.prepare('SELECT min(id), max(id), count(*) FROM note').raw().get(), [1, 25, 25]);
      check.close();
    }
  });

  test('foreign-key violations found after the bulk load are validation errors; enforced keys fail the insert', async () => {
    const db = target();
    // Books whose authors are never imported, with no skip in the mapping.
    const orphanBooks = tableImporter<Sources>({
      id: 'books',
      order: 20,
      source: (s) => s.books,
      table: 'book',
      map: (r) => ({ id: r.id, author_id: r.authorId, title: r.title }),
    });
    const sources = () => ({ authors: arrayReader('authors', authors(3)), books: arrayReader('books', books(10, 5)) });
    const error = await rejects(
      runImport({ db, importers: [authorImporter(), orphanBooks], sources: sources(), backup: false }),
      'IMPORT_VALIDATION_FAILED',
      /foreign key violation: 4 row\(s\) of book reference missing rows of author/,
    );
    assert.equal((error.details.importers as { id: string; status: string }[]).find((r) => r.id === 'books')!.status, 'failed');
    assert.deepEqual([count(db, 'author'), count(db, 'book')], [0, 0]);
    await rejects(
      runImport({ db, importers: [authorImporter(), orphanBooks], sources: sources(), backup: false, foreignKeys: 'enforce' }),
      'IMPORT_FAILED',
      /FOREIGN KEY constraint failed/,
    );
    assert.deepEqual([count(db, 'author'), count(db, 'book')], [0, 0]);
    // With keys deferred, foreign keys are back on after the run.
    const conn = new Database(db);
    conn.pragma('foreign_keys = ON');
    await runImport({
      db: conn,
      importers: [authorImporter(), bookImporter()],
      sources: { authors: arrayReader('authors', authors(5)), books: arrayReader('books', books(10, 5)) },
      backup: false,
    });
    assert.equal(conn.pragma('foreign_keys', { simple: true }), 1);
    conn.close();
  });

  test('a dry run runs every prepare, reports counts, and touches nothing', async () => {
    const db = target();
    const raw = new Database(db);
    raw.prepare('INSERT INTO author VALUES (99, ?)').run('existing');
    raw.pragma('wal_checkpoint(TRUNCATE)');
    raw.close();
    const before = readFileSync(db);
    const mtime = statSync(db).mtimeMs;
    let prepared = 0;
    const counting: Importer<Sources> = {
      ...authorImporter(),
      prepare: async (ctx) => (prepared++, { sourceCount: await ctx.sources.authors.count(), warnings: ['a warning'] }),
    };
    const report = await runImport({
      db,
      importers: [counting, bookImporter()],
      sources: { authors: arrayReader('authors', authors(7)), books: arrayReader('books', books(9, 3)) },
      dryRun: true,
    });
    assert.equal(report.status, 'dry-run');
    assert.equal(prepared, 1);
    assert.deepEqual(
      report.importers.map((r) => [r.id, r.sourceCount, r.status]),
      [
        ['authors', 7, 'dry-run'],
        ['books', 9, 'dry-run'],
      ],
    );
    assert.deepEqual(report.importers[0]!.warnings, ['a warning']);
    assert.deepEqual(readFileSync(db), before);
    assert.equal(statSync(db).mtimeMs, mtime);
    assert.equal(statusOf(db).state, 'not-started');
    assert.ok(!readdirSync(join(db, '..')).includes('backups'));
    // A database that does not exist yet is not created.
    const missing = join(tempDir(), 'new.db');
    await runImport({ db: missing, importers: [authorImporter()], sources: { authors: arrayReader('authors', authors(2)) } as Sources, dryRun: true });
    assert.equal(existsSync(missing), false);
  });

  test('a prepare that says it cannot run stops the run before anything is touched', async () => {
    const db = target();
    const broken: Importer<Sources> = { ...bookImporter(), prepare: () => ({ sourceCount: 0, canRun: false, reason: 'the Dexie export is missing' }) };
    await rejects(
      runImport({
        db,
        importers: [authorImporter(), broken],
        sources: { authors: arrayReader('authors', authors(2)), books: arrayReader('books', []) },
        backup: false,
      }),
      'IMPORT_NOT_READY',
      /books: the Dexie export is missing/,
    );
    assert.equal(statusOf(db).state, 'not-started');
  });

  test('backs up a target that has data before the run', async () => {
    const db = target();
    await runImport({ db, importers: [authorImporter()], sources: { authors: arrayReader('authors', authors(3)) } as Sources });
    const backups = readdirSync(join(db, '..', 'backups'));
    assert.equal(backups.filter((f) => f.endsWith('.manifest.json')).length, 1);
    const manifest = JSON.parse(readFileSync(join(db, '..', 'backups', backups.find((f) => f.endsWith('.manifest.json'))!), 'utf8'));
    assert.match(manifest.description, /before import/);
  });

  test('events: stages, each importer start / progress / validated / done, then completed', async () => {
    const db = target();
    const events = new EventChannel();
    const seen: string[] = [];
    const progress: [string, number, number][] = [];
    for (const name of ['import:stage', 'import:prepared', 'import:start', 'import:validated', 'import:done', 'import:completed', 'import:failed'] as const) {
      events.on(name, (e: any) =>
        seen.push(
          name === 'import:stage'
            ? `stage:${e.stage}`
            : name === 'import:start'
              ? `start:${e.id}:${e.index}/${e.total}:${e.sourceCount}`
              : name === 'import:done'
                ? `done:${e.result.id}:${e.result.status}`
                : name === 'import:validated'
                  ? `validated:${e.id}:${e.targetCount}`
                  : name,
        ),
      );
    }
    events.on('import:progress', (e) => progress.push([e.id, e.done, e.total]));
    await runImport({
      db,
      importers: [authorImporter(), bookImporter()],
      sources: { authors: arrayReader('authors', authors(10)), books: arrayReader('books', books(25, 10)) },
      events,
      backup: false,
    });
    assert.deepEqual(seen, [
      'stage:preparing',
      'import:prepared',
      'stage:clearing',
      'stage:importing',
      'start:authors:1/2:10',
      'stage:validating',
      'validated:authors:10',
      'done:authors:imported',
      'stage:importing',
      'start:books:2/2:25',
      'stage:validating',
      'validated:books:25',
      'done:books:imported',
      'stage:importing',
      'stage:completed',
      'import:completed',
    ]);
    assert.deepEqual(progress, [
      ['authors', 7, 10],
      ['authors', 10, 10],
      ['books', 10, 25],
      ['books', 20, 25],
      ['books', 25, 25],
    ]);
    // And a failed run ends with failed.
    seen.length = 0;
    await rejects(
      runImport({
        db,
        importers: [authorImporter()],
        sources: { authors: arrayReader('authors', authors(10), { failAt: 8 }) } as Sources,
        events,
        backup: false,
        rerun: true,
      }),
      'DOCUMENT_INVALID',
    );
    assert.deepEqual(seen.slice(-4), ['start:authors:1/1:10', 'done:authors:failed', 'stage:failed', 'import:failed']);
  });

  test('a process killed mid-run: a live one is refused, a dead one is detected on the next start, which retries clean', async () => {
    const db = target();
    const dir = join(db, '..');
    const child = join(dir, 'child.mts');
    const src = (p: string) => pathToFileURL(join(ROOT, 'src', p)).href;
    writeFileSync(
      child,
      `import { runImport, tableImporter } from ${JSON.stringify(src('import/index.ts'))};
const rows = Array.from({ length: 2000 }, (_, k) => ({ id: k + 1, name: 'a' + k }));
const reader = { name: 'authors', count: async () => rows.length, sample: async (n) => rows.slice(0, n),
  async *batches(size) { for (let s = 0; s < rows.length; s += size) { await new Promise((r) => setTimeout(r, 100)); yield rows.slice(s, s + size); } } };
await runImport({ db: process.argv[2], backup: false, sources: { authors: reader },
  importers: [tableImporter({ id: 'authors', order: 1, source: (s) => s.authors, table: 'author', map: (r) => r, batchSize: 20 })] });
`,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', child, db], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise((r) => proc.on('exit', r));
    // Wait until it is mid-run: status running, some rows committed.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (Date.now() > deadline) assert.fail(`the child never got going: ${stderr}`);
      if (existsSync(db) && statusOf(db).state === 'running' && count(db, 'author') >= 100) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(statusOf(db).pid, proc.pid);
    assert.deepEqual([importStatus({ db }).live, importStatus({ db }).interrupted], [true, false]);
    // While it lives, another run is refused.
    const sources = { authors: arrayReader('authors', authors(2000)) } as Sources;
    await rejects(runImport({ db, importers: [authorImporter()], sources, backup: false }), 'IMPORT_IN_PROGRESS', new RegExp(`pid ${proc.pid}`));
    proc.kill('SIGKILL');
    await exited;
    const left = count(db, 'author');
    assert.ok(left > 0 && left < 2000, `the killed run left ${left} rows`);
    assert.equal(statusOf(db).state, 'running');
    assert.deepEqual([importStatus({ db }).live, importStatus({ db }).interrupted], [false, true]);

    const events = new EventChannel();
    const interrupted: unknown[] = [];
    events.on('import:interrupted', (e) => interrupted.push(e.previous));
    const report = await runImport({ db, importers: [authorImporter()], sources, backup: false, events });
    assert.equal(interrupted.length, 1);
    assert.equal((report.interrupted as { pid: number }).pid, proc.pid);
    assert.equal((report.interrupted as { importer: string }).importer, 'authors');
    assert.equal(count(db, 'author'), 2000);
    const conn = new Database(db, { readonly: true });
    assert.deepEqual(conn.prepare('SELECT min(id), max(id), count(DISTINCT id) FROM author').raw().get(), [1, 2000, 2000]);
    conn.close();
    assert.equal(statusOf(db).state, 'completed');
  });
});

describe('a failure after the tables were cleared (issue 18)', () => {
  test('the error names the backup that holds the previous import, and the command that restores it', async () => {
    const db = target();
    const good = { authors: arrayReader('authors', authors(5)), books: arrayReader('books', books(5, 5)) };
    await runImport({ db, importers: [authorImporter(), bookImporter()], sources: good });
    const failing = tableImporter<Sources>({
      id: 'authors',
      order: 10,
      source: (s) => s.authors,
      table: 'author',
      map: (r) => {
        if (r.id === 3) throw new Error('no name');
        return r;
      },
    });
    const error = await rejects(
      runImport({ db, importers: [failing], sources: { authors: arrayReader('authors', authors(5)) } as Sources, rerun: true }),
      'IMPORT_ROW_INVALID',
    );
    const id = String(error.details.backup);
    assert.match(id, /^app\.\d{4}-/);
    assert.match(
      error.hint ?? '',
      new RegExp(`backup ${id.replace(/\./g, '\\.')} .*'strata backup restore ${id.replace(/\./g, '\\.')} --db ${db.replace(/[.]/g, '\\.')}' puts it back`),
    );
    assert.deepEqual(error.next.at(-1), { command: 'backup restore', args: [id, '--db', db] });
    assert.ok(existsSync(join(db, '..', 'backups', `${id}.manifest.json`)));
  });
});
