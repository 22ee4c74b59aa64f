/** Shared test helpers: real temp folders, real SQLite files, the built CLI as a child process. */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StrataError } from '../src/model/errors.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.cjs');

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder removed when the test file ends. */
export function tempDir(prefix = 'strata-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes files relative to `dir` (creating folders). */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `strata` CLI, as users do. */
export function cli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, DATABASE_URL: '', ...options.env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting (for races). */
export function cliAsync(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv /** Called with all of stderr so far, as it comes. */; onStderr?: (stderr: string) => void },
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, DATABASE_URL: '', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      options.onStderr?.(stderr);
    });
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Schema and every row of every table: "exactly as before" means this is deep-equal. */
/** In rowid order; WITHOUT ROWID tables and FTS5's virtual tables have none, so sorted by value. */
function rowsOf(db: Database.Database, name: string, where: string): unknown[] {
  try {
    return db.prepare(`SELECT * FROM "${name}"${where} ORDER BY rowid`).all();
  } catch {
    const text = (row: unknown) => JSON.stringify(row, (_, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v));
    return (db.prepare(`SELECT * FROM "${name}"${where}`).all() as unknown[]).sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  }
}

export function snapshot(path: string): { schema: unknown[]; rows: Record<string, unknown[]> } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const schema = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
    const rows: Record<string, unknown[]> = {};
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
      name: string;
    }[]) {
      // An aborted attempt's ledger row only notes when and why a step failed (its transaction
      // rolled back, nothing of it applied): not part of the state a failure must leave alone.
      const where = name === 'strata_migrations' ? " WHERE status <> 'aborted'" : '';
      rows[name] = rowsOf(db, name, where);
    }
    return { schema, rows };
  } finally {
    db.close();
  }
}

export function query<T = Record<string, unknown>>(path: string, sql: string, params: unknown[] = []): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

// ---- Assertions and readers shared by the CLI suites ----------------------------------------
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';

/** The JSON document a `--json` run printed on stdout (fails with both streams when it is not JSON). */
export function parseJson<T = any>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    assert.fail(`stdout is not JSON (${(error as Error).message})\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
}

/** Both streams, for assertion messages. */
export function describeRun(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** A run that succeeded (exit 0). */
export function assertOk(result: CliResult): void {
  assert.equal(result.code, 0, describeRun(result));
}

/**
 * A failure as users must see it: the exit code, `error CODE: message` on stderr, no stack trace
 * (those are for --verbose only) and, for failures (exit 1), the hint line. Usage errors (exit 2)
 * are checked for a hint only with `{ hint: true }`.
 */
export function assertFailure(result: CliResult, code: string, exitCode = 1, options: { hint?: boolean } = {}): void {
  assert.equal(result.code, exitCode, describeRun(result));
  assert.match(result.stderr, new RegExp(`^error ${code}: `, 'm'), describeRun(result));
  if (options.hint ?? exitCode === 1) assert.match(result.stderr, /^ {2}hint: \S/m, `no hint line\n${describeRun(result)}`);
  assert.doesNotMatch(result.stderr, /^ {4}at /m, `stack trace without --verbose\n${describeRun(result)}`);
}

export interface LedgerRow {
  version: string;
  name: string;
  checksum: string;
  status: string;
  operation: string;
  statements_applied: number;
  error: string | null;
}

/** The ledger in version order ([] when the table does not exist). */
export function ledger(path: string, table = 'strata_migrations'): LedgerRow[] {
  if (!existsSync(path)) return [];
  const present = query(path, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]);
  if (present.length === 0) return [];
  return query<LedgerRow>(path, `SELECT * FROM "${table}" WHERE status <> 'aborted' ORDER BY length(version), version`);
}

/** Ledger rows of steps that failed inside their transaction (nothing of them applied). */
export function abortedAttempts(path: string, table = 'strata_migrations'): LedgerRow[] {
  if (!existsSync(path)) return [];
  return query<LedgerRow>(path, `SELECT * FROM "${table}" WHERE status = 'aborted' ORDER BY length(version), version`);
}

/** Tables other than SQLite's own and the ledger, sorted. */
export function userTables(path: string): string[] {
  return query<{ name: string }>(
    path,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'strata_migrations' ORDER BY name",
  ).map((r) => r.name);
}

/** Files in `dir` whose name starts with `prefix` (a database and its -wal, -shm, .strata-lock). */
export function filesStartingWith(dir: string, prefix: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.startsWith(prefix))
        .sort()
    : [];
}

/** Awaits a rejection and checks it is a StrataError with `code` (and a message matching). */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<StrataError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StrataError, `expected a StrataError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

/** Schema, every row and user_version of a SQLite file. */
export function dump(path: string): unknown {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return { ...snapshot(path), userVersion: db.pragma('user_version', { simple: true }) };
  } finally {
    db.close();
  }
}

/** Runs SQL on a SQLite file through a connection of its own. */
export function exec(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** A file's sha256, hex (what backup manifests record). */
export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
