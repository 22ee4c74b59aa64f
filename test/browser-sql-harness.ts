/**
 * The browser side of test/browser-sql.test.ts and bench/browser-sql.ts: migration folders
 * written to a temp dir, a worker bundled with esbuild (strata-migrate/browser from source with
 * the browser seams, SQLite WASM, PGlite, and the folders through strataMigrationsEsbuild), a
 * page that starts workers and talks to them, a server on 127.0.0.1, and Chromium.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext } from 'playwright-core';
import { browserSeamsPlugin } from '../scripts/bundle-browser.mjs';
import { strataMigrationsEsbuild } from '../src/vite.js';
import { HTML, launchChromium, serveFiles } from './chromium.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MODULES = join(ROOT, 'node_modules');

const USERS = `-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
-- migrate:down
DROP TABLE users;
`;
const EMAIL = `-- migrate:up
ALTER TABLE users ADD COLUMN email TEXT;
-- migrate:down
ALTER TABLE users DROP COLUMN email;
`;
const POSTS = `-- migrate:up
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL);
INSERT INTO users (id, name) VALUES (1, 'ada');
INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'hello');
-- migrate:down
DROP TABLE posts;
DELETE FROM users WHERE id = 1;
`;
const TAGS = `-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
INSERT INTO tags (id, label) VALUES (1, 'new');
-- migrate:down
DROP TABLE tags;
`;
// Long enough (about a second in WASM) to be cut by terminating the worker while it runs.
const BIG = (rows: number) => `-- migrate:up
CREATE TABLE big (n INTEGER NOT NULL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${rows}) INSERT INTO big (n) SELECT x FROM c;
UPDATE users SET name = 'changed by 4';
-- migrate:down
DROP TABLE big;
`;

/** The folders the worker bundles: `base` (1-3), `newer` (base + 4_tags), `slow` (base + 4_big). */
export const FOLDERS: Record<string, Record<string, string>> = {
  base: { '001_create_users.sql': USERS, '002_add_email.sql': EMAIL, '003_posts.sql': POSTS },
  newer: { '001_create_users.sql': USERS, '002_add_email.sql': EMAIL, '003_posts.sql': POSTS, '004_tags.sql': TAGS },
  slow: { '001_create_users.sql': USERS, '002_add_email.sql': EMAIL, '003_posts.sql': POSTS, '004_big.sql': BIG(3_000_000) },
};

const WORKER = (root: string, folders: string[]) => `
import sqlite3InitModule from '@sqlite.org/sqlite-wasm';
import { PGlite } from '@electric-sql/pglite';
import * as strata from ${JSON.stringify(join(root, 'src/browser.ts'))};
import { sha256Hex } from ${JSON.stringify(join(root, 'src/browser/seams/sha256.ts'))};
${folders.flatMap((f) => [`import ${f}_sqlite from 'virtual:${f}-sqlite';`, `import ${f}_postgres from 'virtual:${f}-postgres';`]).join('\n')}

const bundles = { ${folders.map((f) => `${f}: { sqlite: ${f}_sqlite, postgres: ${f}_postgres }`).join(', ')} };
let sqlite3;
const post = (message) => self.postMessage(message);

async function driverFor(target, options) {
  if (target === 'sqlite') {
    sqlite3 ??= await sqlite3InitModule();
    return strata.sqliteWasmDriver({ sqlite3, file: options.file, storage: options.storage });
  }
  return strata.pgliteBrowserDriver({ PGlite, dataDir: options.file });
}

async function run(id, cmd, target, options) {
  if (cmd === 'sha') {
    const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(options.text)));
    return { seam: sha256Hex(options.text), webCrypto: [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('') };
  }
  if (cmd === 'bundle') return bundles[options.bundle][target === 'sqlite' ? 'sqlite' : 'postgres'];
  if (cmd === 'raw') return rawLoop(options);
  if (cmd === 'eval') {
    sqlite3 ??= await sqlite3InitModule();
    return await new Function('sqlite3', 'strata', 'return (async () => {' + options.code + '})()')(sqlite3, strata);
  }
  const driver = await driverFor(target, options);
  const migrator = strata.createBrowserMigrator({
    driver,
    migrations: options.migrations ?? bundles[options.bundle ?? 'base'][target === 'sqlite' ? 'sqlite' : 'postgres'],
    lockTimeoutMs: options.lockTimeoutMs,
    allowDowngrade: options.allowDowngrade,
  });
  // The benchmark listens to nothing: a message per step would be timed with Strata.
  for (const event of options.quiet ? [] : ['lock:waiting', 'tab:blocked', 'migrating', 'migrated', 'reverted']) {
    migrator.browserEvents.on(event, (payload) => post({ id, event, version: payload?.version ?? null }));
  }
  try {
    if (cmd === 'migrate') {
      const started = performance.now();
      const report = await migrator.migrate();
      const ms = performance.now() - started;
      return { steps: report.results.map((s) => s.direction + ' ' + s.version), ms };
    }
    if (cmd === 'status') {
      const status = await migrator.status();
      return { exists: status.exists, currentVersion: status.currentVersion, states: status.migrations.map((m) => m.version + ' ' + m.state), problems: status.problems };
    }
    if (cmd === 'hold') {
      await migrator.status();
      post({ id, event: 'holding' });
      await new Promise((resolve) => setTimeout(resolve, options.holdMs));
      return { held: options.holdMs };
    }
    if (cmd === 'query') {
      await migrator.status();
      const rows = [];
      for (const sql of options.sql) rows.push(await driver.query(sql));
      return rows;
    }
    throw new Error('unknown command ' + cmd);
  } finally {
    await migrator.close();
  }
}

/** The benchmark's baseline: the same statements and ledger row per migration, by hand, on the same kind of database. */
async function rawLoop(options) {
  sqlite3 ??= await sqlite3InitModule();
  const pool = await sqlite3.installOpfsSAHPoolVfs({});
  const migrations = bundles[options.bundle].sqlite;
  const started = performance.now();
  if (pool.isPaused()) await pool.unpauseVfs();
  await pool.reserveMinimumCapacity(pool.getFileCount() + 2);
  const db = new pool.OpfsSAHPoolDb(options.file);
  try {
    db.exec('CREATE TABLE IF NOT EXISTS strata_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms REAL NOT NULL, status TEXT NOT NULL DEFAULT \\'applied\\', operation TEXT NOT NULL DEFAULT \\'up\\', statements_applied INTEGER NOT NULL DEFAULT 0, error TEXT, adopted_from TEXT, schema_fingerprint TEXT, down_sql TEXT, schema_stamp TEXT)');
    for (const m of migrations.migrations) {
      const t = performance.now();
      db.exec('BEGIN IMMEDIATE');
      for (const s of m.up.statements) db.exec(s.sql);
      db.exec({ sql: 'INSERT INTO strata_migrations (version, name, checksum, applied_at, duration_ms, statements_applied, down_sql) VALUES (?, ?, ?, ?, ?, ?, ?)', bind: [m.version, m.name, m.checksum, new Date().toISOString(), performance.now() - t, m.up.statements.length, m.down ? m.down.statements.map((s) => s.sql + ';').join('\\n') : null] });
      db.exec('COMMIT');
    }
    return { ms: performance.now() - started };
  } finally {
    db.close();
    pool.pauseVfs();
  }
}

self.onmessage = async ({ data: { id, cmd, target, options } }) => {
  try {
    post({ id, ok: true, result: await run(id, cmd, target, options ?? {}) });
  } catch (error) {
    post({ id, ok: false, code: error?.code ?? null, message: String(error?.message ?? error), details: error?.details ?? null });
  }
};
post({ ready: true });
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>strata browser sql</title><script type="module">
const workers = new Map();
let next = 0;
window.sql = {
  async start(key) {
    const worker = new Worker('/worker.js', { type: 'module' });
    const entry = { worker, pending: new Map(), events: [] };
    workers.set(key, entry);
    await new Promise((resolve, reject) => {
      worker.onerror = (e) => reject(new Error('worker failed: ' + e.message));
      worker.onmessage = ({ data }) => {
        if (data.ready) return resolve();
        if (data.event) { entry.events.push(data.event + (data.version ? ' ' + data.version : '')); return; }
        const done = entry.pending.get(data.id);
        entry.pending.delete(data.id);
        done?.(data);
      };
    });
    return true;
  },
  call(key, cmd, target, options) {
    const entry = workers.get(key);
    const id = ++next;
    return new Promise((resolve) => { entry.pending.set(id, resolve); entry.worker.postMessage({ id, cmd, target, options }); });
  },
  /** Starts a call without waiting for it; finish(key) awaits it. */
  begin(key, cmd, target, options) {
    workers.get(key).running = window.sql.call(key, cmd, target, options);
    return true;
  },
  finish: (key) => workers.get(key).running,
  events: (key) => workers.get(key).events,
  terminate(key) { workers.get(key).worker.terminate(); workers.delete(key); return true; },
};
window.dispatchEvent(new Event('sql-ready'));
</script>`;

/**
 * PGlite and SQLite WASM import Node modules behind runtime checks a browser never takes (an app's
 * bundler stubs them the same way): they get an empty module. Strata's own sources never reach
 * one (browserSeamsPlugin fails the build first).
 */
const emptyNodeBuiltins = {
  name: 'empty-node-builtins',
  setup(b: { onResolve: Function; onLoad: Function }) {
    b.onResolve({ filter: new RegExp(`^(node:.*|${builtinModules.join('|').replace(/\//g, '\\/')})$`) }, (args: { path: string }) => ({
      path: args.path,
      namespace: 'empty-node',
    }));
    b.onLoad({ filter: /.*/, namespace: 'empty-node' }, () => ({ contents: 'export default {};', loader: 'js' }));
  },
};

export interface Harness {
  origin: string;
  context: BrowserContext;
  browser: Browser;
  /** The temp folder: the migration folders (folders/NAME), the worker bundle. */
  dir: string;
  close(): Promise<void>;
}

/** Writes the folders, bundles the worker, serves it, launches Chromium. */
export async function startHarness(folderNames: string[] = Object.keys(FOLDERS), extraFolders: Record<string, Record<string, string>> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-browser-sql-'));
  const all = { ...FOLDERS, ...extraFolders };
  const names = [...folderNames, ...Object.keys(extraFolders)];
  for (const name of names) {
    mkdirSync(join(dir, 'folders', name), { recursive: true });
    for (const [file, text] of Object.entries(all[name]!)) writeFileSync(join(dir, 'folders', name, file), text);
  }
  writeFileSync(join(dir, 'worker-entry.js'), WORKER(ROOT, names));
  await build({
    entryPoints: [join(dir, 'worker-entry.js')],
    outfile: join(dir, 'worker.js'),
    absWorkingDir: ROOT,
    nodePaths: [MODULES],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'error',
    plugins: [
      browserSeamsPlugin,
      emptyNodeBuiltins,
      ...names.flatMap((name) =>
        (['sqlite', 'postgres'] as const).map((dialect) =>
          strataMigrationsEsbuild({ id: `virtual:${name}-${dialect}`, dir: join(dir, 'folders', name), dialect }),
        ),
      ),
    ] as never,
  });
  const file = (path: string, type: string) => ({ body: () => readFileSync(path), type });
  const server = await serveFiles({
    '/': { body: () => PAGE, type: HTML },
    '/worker.js': file(join(dir, 'worker.js'), 'text/javascript'),
    '/sqlite3.wasm': file(join(MODULES, '@sqlite.org/sqlite-wasm/dist/sqlite3.wasm'), 'application/wasm'),
    '/pglite.wasm': file(join(MODULES, '@electric-sql/pglite/dist/pglite.wasm'), 'application/wasm'),
    '/initdb.wasm': file(join(MODULES, '@electric-sql/pglite/dist/initdb.wasm'), 'application/wasm'),
    '/pglite.data': file(join(MODULES, '@electric-sql/pglite/dist/pglite.data'), 'application/octet-stream'),
  });
  const origin = server.origin;
  const browser = await launchChromium();
  const context = await browser.newContext();
  return {
    origin,
    context,
    browser,
    dir,
    async close() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
