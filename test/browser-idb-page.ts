/**
 * The page side of the IndexedDB browser tests and benchmark: an ES module that esbuild bundles
 * with src/document.ts for platform 'browser' (which fails on a node: import), served from
 * 127.0.0.1 to real Chromium. `window.idb` is the test API; every call returns plain data.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HTML, JAVASCRIPT, serveFiles } from './chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ENTRY = `
import * as strata from ${JSON.stringify(join(ROOT, 'src/document.ts'))};

const pad = (n) => String(n).padStart(6, '0');
const v1 = { version: 1, name: 'items', up: (s) => s.createStore('items', { keyPath: 'id', indexes: { byGroup: 'group' } }) };
const v2 = (slowMs = 0) => ({
  version: 2,
  name: 'items keyed by uuid',
  up: (s) =>
    s.changeStore('items', {
      keyPath: 'uuid',
      transform: (item) => {
        if (slowMs) {
          const end = performance.now() + slowMs;
          while (performance.now() < end);
        }
        return { ...item, uuid: 'item-' + pad(item.id) };
      },
    }),
});
const v3 = { version: 3, name: 'byGroup becomes a unique index on title', up: (s) => s.changeIndex('items', 'byGroup', { keyPath: 'title', unique: true }) };

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
function committed(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
}
function outcome(promise) {
  return promise.then(
    (value) => ({ ok: true, ...value }),
    (e) => ({ ok: false, code: e.code ?? null, message: String(e.message ?? e), details: e.details ?? null }),
  );
}
const log = [];
const held = new Map();

function migrator(name, migrations, extra = {}) {
  const m = new strata.IndexedDbMigrator({ database: name, migrations, ...extra });
  for (const event of ['tab:blocked', 'upgrade:blocked', 'migrating', 'migrated', 'failed', 'done', 'versionchange']) {
    m.on(event, (payload) => log.push(event + (payload && payload.version !== undefined ? ' ' + payload.version : '')));
  }
  m.on('copy:progress', (p) => {
    window.idbProgress = p.copied;
  });
  return m;
}
async function openReport(name, migrations, extra) {
  const report = await migrator(name, migrations, extra).open();
  held.set(name, report.db);
  return { from: report.from, version: report.version, results: report.results.map((r) => r.version + ' ' + r.status) };
}

/** The hand-written copy loop the benchmark holds Strata against: the same work, no library. */
function handCopy(name, version) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      const tx = request.transaction;
      const old = tx.objectStore('items');
      const copy = db.createObjectStore('items-new', { keyPath: 'uuid' });
      copy.createIndex('byGroup', 'group');
      old.openCursor().onsuccess = (event) => {
        const cursor = event.target.result;
        if (!cursor) {
          db.deleteObjectStore('items');
          copy.name = 'items';
          return;
        }
        copy.add({ ...cursor.value, uuid: 'item-' + pad(cursor.value.id) });
        cursor.continue();
      };
    };
    request.onsuccess = () => {
      request.result.close();
      resolve();
    };
    request.onerror = () => reject(request.error);
  });
}

window.idb = {
  log: () => log.splice(0),
  progress: () => window.idbProgress ?? -1,
  async reset(name) {
    held.get(name)?.close();
    held.delete(name);
    await done(indexedDB.deleteDatabase(name));
    window.idbProgress = -1;
    return true;
  },
  /** Version 1 through Strata, then count records written the app's way. */
  async seed(name, count) {
    const report = await migrator(name, [v1]).open();
    const tx = report.db.transaction('items', 'readwrite');
    const store = tx.objectStore('items');
    for (let id = 1; id <= count; id++) store.put({ id, group: id % 10, title: 'title ' + id, body: { n: id, tags: ['a', 'b'] } });
    await committed(tx);
    report.db.close();
    return true;
  },
  migratePk: (name, slowMs = 0, timeoutMs) => outcome(openReport(name, [v1, v2(slowMs)], timeoutMs === undefined ? {} : { timeoutMs })),
  /** Starts the slow primary-key change without waiting for it (the test closes the page meanwhile). */
  startSlowPk(name, slowMs) {
    window.idbProgress = -1;
    window.idbPending = outcome(openReport(name, [v1, v2(slowMs)], { progressEvery: 250 }));
    return true;
  },
  changeIndex: (name) => outcome(openReport(name, [v1, v2(), v3])),
  openOld: (name) => outcome(openReport(name, [v1])),
  status: async (name) => {
    const s = await migrator(name, [v1, v2(), v3]).status();
    return { exists: s.exists, currentVersion: s.currentVersion, pending: s.pending, states: s.migrations.map((m) => m.version + ':' + m.state) };
  },
  close(name) {
    held.get(name)?.close();
    held.delete(name);
    return true;
  },
  /** An old build's connection: opened at version, no onversionchange handler, never closed. */
  async holdOpen(name, version) {
    const db = await done(indexedDB.open(name, version));
    window.rawHeld = db;
    return db.version;
  },
  releaseHeld() {
    window.rawHeld?.close();
    return true;
  },
  /** Everything in the database, read without changing it. */
  async read(name) {
    const db = await done(indexedDB.open(name));
    const names = [...db.objectStoreNames];
    if (!names.includes('items')) {
      db.close();
      return { version: db.version, stores: names };
    }
    const store = db.transaction('items').objectStore('items');
    const indexes = [...store.indexNames].map((n) => {
      const index = store.index(n);
      return { name: n, keyPath: index.keyPath, unique: index.unique };
    });
    const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
    db.close();
    return { version: db.version, stores: names, keyPath: store.keyPath, indexes, keys, values };
  },
  /** A record written the app's way, at whatever version the database is. */
  async putRaw(name, record) {
    const db = await done(indexedDB.open(name));
    const tx = db.transaction('items', 'readwrite');
    tx.objectStore('items').put(record);
    await committed(tx);
    db.close();
    return true;
  },
  /** The version, primary key path and record count, for checking work without reading it all. */
  async summary(name) {
    const db = await done(indexedDB.open(name));
    const store = db.transaction('items').objectStore('items');
    const count = await done(store.count());
    const first = await done(store.openCursor());
    db.close();
    return { version: db.version, keyPath: store.keyPath, count, firstKey: first ? first.primaryKey : null };
  },
  async byTitle(name, title) {
    const db = await done(indexedDB.open(name));
    const found = await done(db.transaction('items').objectStore('items').index('byGroup').get(title));
    db.close();
    return found ?? null;
  },

  /** Document migrations over the IndexedDB store. */
  async migrateDocument(key) {
    const manager = new strata.MigrationManager()
      .register({ version: 1, description: 'todos', up: (d) => ({ todos: d?.todos ?? [] }), down: (d) => d })
      .register({ version: 2, description: 'done flag', up: (d) => ({ todos: d.todos.map((t) => ({ ...t, done: t.done ?? false })) }), down: (d) => ({ todos: d.todos.map(({ done, ...t }) => t) }) });
    const store = strata.indexedDbStore({ key });
    const documents = new strata.DocumentMigrator({ store, migrations: manager });
    return {
      migrate: async () => {
        const r = await documents.migrate();
        return { from: r.from, version: r.version, written: r.written, data: r.data };
      },
      status: async () => (await documents.status()).migrations.map((m) => m.version + ':' + m.state),
      seed: (data) => store.write({ version: null, data, history: [] }),
      rollback: async () => (await documents.rollback()).version,
      backups: async () => (await store.listBackups()).length,
    };
  },
  async doc(key, action, arg) {
    const api = await window.idb.migrateDocument(key);
    return outcome(api[action](arg).then((value) => ({ value })));
  },

  /** The benchmark: Strata's changeStore and the hand loop, each from the same seeded version 1. */
  async timeStrata(name) {
    const started = performance.now();
    const report = await new strata.IndexedDbMigrator({ database: name, migrations: [v1, v2()] }).open();
    const ms = performance.now() - started;
    report.db.close();
    return ms;
  },
  async timeHand(name) {
    const started = performance.now();
    await handCopy(name, 2);
    return performance.now() - started;
  },
};
window.dispatchEvent(new Event('idb-ready'));
`;

export interface IdbPageServer {
  origin: string;
  close(): Promise<void>;
  /** Node built-ins the bundle tried to import (must be none). */
  nodeImports: string[];
}

/** Bundles the page and serves it on 127.0.0.1 (a secure context: IndexedDB and Web Locks). */
export async function serveIdbPage(): Promise<IdbPageServer> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-browser-idb-'));
  writeFileSync(join(dir, 'entry.js'), ENTRY);
  const nodeImports: string[] = [];
  await build({
    entryPoints: [join(dir, 'entry.js')],
    outfile: join(dir, 'app.js'),
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'no-node',
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (args) => {
            nodeImports.push(`${args.path} (imported by ${args.importer})`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const server = await serveFiles({
    '/': { body: () => '<!doctype html><meta charset="utf-8"><title>strata idb</title><script type="module" src="/app.js"></script>', type: HTML },
    '/app.js': { body: () => readFileSync(join(dir, 'app.js')), type: JAVASCRIPT },
  });
  return {
    origin: server.origin,
    nodeImports,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
