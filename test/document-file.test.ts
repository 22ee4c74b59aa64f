/**
 * The JSON-file store on real files and real processes: atomic replacement (a SIGKILL mid-write
 * leaves the old or the new document), the lock file across processes, stale locks, backups.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DocumentMigrator, jsonFileStore, StrataError, versionAt, writeFileAtomic, type DocumentMigration } from '../src/document-node.js';
import { ROOT, tempDir } from './helpers.js';

const NODE_ENTRY = join(ROOT, 'src', 'document-node.ts');

const addOne: DocumentMigration = { version: 1, description: 'one', up: (d) => ({ ...d, one: true }), down: ({ one: _, ...d }) => d };
const addTwo: DocumentMigration = { version: 2, description: 'two', up: (d) => ({ ...d, two: true }), down: ({ two: _, ...d }) => d };

function codeOf(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StrataError, String(error));
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

/** Runs a script (ESM, can import the Node entry) in its own process. */
function runScript(dir: string, name: string, body: string): ChildProcess {
  const file = join(dir, name);
  writeFileSync(file, `import * as strata from ${JSON.stringify(NODE_ENTRY)};\n${body}`);
  return spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves once a temp file appears in `dir` that was not there when the wait began. */
async function waitForNewTemp(dir: string, timeoutMs = 20_000): Promise<void> {
  const temps = () => readdirSync(dir).filter((name) => name.endsWith('.tmp'));
  const before = new Set(temps());
  const deadline = Date.now() + timeoutMs;
  while (!temps().some((name) => !before.has(name))) {
    if (Date.now() > deadline) throw new Error(`no temp file appeared in ${dir} within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

async function waitFor(child: ChildProcess, marker: string): Promise<void> {
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes(marker)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`exited (${code}) before "${marker}": ${out}`)));
  });
}

describe('jsonFileStore', () => {
  test('migrates a file in place: new file 0600, mode of an existing file kept, no temp files left', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify({ legacy: true }), { mode: 0o640 });
    const report = await new DocumentMigrator({ store: jsonFileStore(path), migrations: [addOne, addTwo] }).migrate();
    assert.equal(report.version, 2);
    const stored = JSON.parse(readFileSync(path, 'utf8'));
    assert.deepEqual([stored.version, stored.data], [2, { legacy: true, one: true, two: true }]);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir).sort(), ['backups', 'state.json']);
    const fresh = join(dir, 'fresh.json');
    await new DocumentMigrator({ store: jsonFileStore(fresh), migrations: [addOne], initial: {} }).migrate();
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  });

  test('a file that is not JSON is named in a DOCUMENT_INVALID error and left alone', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '{"version": 1, "data": ');
    await assert.rejects(
      new DocumentMigrator({ store: jsonFileStore(path), migrations: [addOne] }).migrate(),
      codeOf('DOCUMENT_INVALID', /state\.json is not valid JSON/),
    );
    assert.equal(readFileSync(path, 'utf8'), '{"version": 1, "data": ');
    assert.equal(existsSync(`${path}.lock`), false);
  });

  test('a failing migration leaves the file byte for byte as it was, and takes no backup', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const original = JSON.stringify({ version: 1, data: { one: true, list: [1, 2, 3] }, history: [] }, null, 2);
    writeFileSync(path, original);
    const failing: DocumentMigration = {
      version: 2,
      description: 'fails',
      up: (d) => {
        d.list.length = 0;
        throw new Error('disk of lies');
      },
    };
    await assert.rejects(
      new DocumentMigrator({ store: jsonFileStore(path), migrations: [addOne, failing] }).migrate(),
      codeOf('MIGRATION_FAILED', /disk of lies/),
    );
    assert.equal(readFileSync(path, 'utf8'), original);
    assert.deepEqual(readdirSync(dir), ['state.json']);
  });

  test('backups: exact bytes, newest N kept, restored by id; ids cannot reach other paths', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const original = '{"version":0,"data":{"kept":"exactly"},"history":[]}\n';
    writeFileSync(path, original);
    const store = jsonFileStore(path, { backups: { keep: 2 } });
    const migrator = new DocumentMigrator({ store, migrations: [addOne, addTwo] });
    const first = await migrator.migrate({ to: 1 });
    assert.match(first.backup!.location, /backups\/state\.json\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(-\d+)?\.bak$/);
    assert.equal(readFileSync(first.backup!.location, 'utf8'), original);
    assert.equal(statSync(first.backup!.location).mode & 0o777, 0o600);
    await migrator.migrate({ to: 2 });
    await migrator.rollback();
    const backups = await store.listBackups();
    assert.equal(backups.length, 2);
    assert.equal(existsSync(first.backup!.location), false, 'the oldest backup was pruned');
    await assert.rejects(store.restoreBackup('../../state.json'), codeOf('BACKUP_NOT_FOUND'));
    await store.restoreBackup(backups[0]!.id);
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).version, 1);
  });

  test('versionAt keeps the history in a sibling file', async () => {
    const dir = tempDir();
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ __internal__: { migrations: { version: 1 } }, one: true }));
    await new DocumentMigrator({
      store: jsonFileStore(path, { layout: versionAt('__internal__.migrations.version'), backups: { keep: 0 } }),
      migrations: [addOne, addTwo],
    }).migrate();
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { __internal__: { migrations: { version: 2 } }, one: true, two: true });
    assert.deepEqual(
      JSON.parse(readFileSync(`${path}.strata-history`, 'utf8')).map((h: { version: number }) => h.version),
      [2],
    );
  });

  test('writeFileAtomic: a failed rename removes its temp file and leaves the target', async () => {
    const dir = tempDir();
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'inside'), { recursive: true });
    await assert.rejects(writeFileAtomic(target, 'text'));
    assert.deepEqual(readdirSync(dir), ['occupied']);
  });
});

describe('jsonFileStore across processes', () => {
  test('a SIGKILL during the write of a large document leaves the old or the new document, never a mix', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.json');
    // ~8 MB documents that differ everywhere: a torn write could not parse as either.
    const script = `
import { existsSync, readFileSync } from 'node:fs';
const path = ${JSON.stringify(path)};
const store = strata.jsonFileStore(path);
const doc = (n) => ({ version: n, data: { rows: Array.from({ length: 80000 }, (_, i) => ({ i, n, text: 'v' + n + '-'.repeat(60) })) }, history: [] });
// Each writer carries on from the version on disk, so versions only grow across rounds.
let n = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).version + 1 : 0;
if (n === 0) await store.write(doc(n++));
process.stdout.write('ready\\n');
for (; ; n++) {
  await store.write(doc(n));
  process.stdout.write('wrote ' + n + '\\n');
}
`;
    const seen = new Set<number>();
    let tornTemps = 0;
    for (let round = 0; round < 6; round++) {
      const tempsBefore = new Set(readdirSync(dir).filter((n) => n.endsWith('.tmp')));
      const child = runScript(dir, `writer-${round}.mts`, script);
      await waitFor(child, 'ready');
      // Even rounds kill the moment a temp file exists (mid-write, however fast or slow the
      // machine); odd rounds kill at a random moment after a write completed.
      if (round % 2 === 0) await waitForNewTemp(dir);
      else {
        await waitFor(child, 'wrote');
        await new Promise((r) => setTimeout(r, Math.random() * 150));
      }
      child.kill('SIGKILL');
      await once(child, 'exit');
      const text = readFileSync(path, 'utf8');
      const parsed = JSON.parse(text) as { version: number; data: { rows: { n: number }[] } };
      assert.equal(parsed.data.rows.length, 80000);
      assert.ok(
        parsed.data.rows.every((row) => row.n === parsed.version),
        'all rows come from one write',
      );
      seen.add(parsed.version);
      if (readdirSync(dir).some((n) => n.endsWith('.tmp') && !tempsBefore.has(n))) tornTemps++;
    }
    // Killed writers leave temp files; the next locked run removes them.
    await jsonFileStore(path)
      .lock(1000, () => undefined)
      .then((release) => release());
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.tmp')),
      [],
    );
    assert.ok(tornTemps >= 2, `kills that landed during a write: ${tornTemps}`);
    assert.ok(seen.size >= 2, `versions seen: ${[...seen]}`);
  });

  test('two processes migrating one file: one waits for the lock, the migration runs once', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    const log = join(dir, 'ran.log');
    writeFileSync(path, JSON.stringify({ version: 0, data: {}, history: [] }));
    const script = `
import { appendFileSync } from 'node:fs';
const migrator = new strata.DocumentMigrator({
  store: strata.jsonFileStore(${JSON.stringify(path)}),
  migrations: [{ version: 1, description: 'slow', up: async (d) => { appendFileSync(${JSON.stringify(log)}, 'ran\\n'); await new Promise((r) => setTimeout(r, 3000)); return { ...d, done: true }; } }],
});
migrator.on('lock:waiting', () => process.stdout.write('waiting\\n'));
const report = await migrator.migrate();
process.stdout.write(JSON.stringify({ written: report.written }) + '\\n');
`;
    // The up takes 3 s so that the second process, however late a loaded machine starts it, meets the lock.
    const children = [runScript(dir, 'a.mts', script), runScript(dir, 'b.mts', script)];
    const outputs = await Promise.all(
      children.map(async (child) => {
        let out = '';
        child.stdout!.on('data', (c) => (out += c));
        let err = '';
        child.stderr!.on('data', (c) => (err += c));
        const [code] = await once(child, 'exit');
        assert.equal(code, 0, err);
        return out;
      }),
    );
    assert.equal(readFileSync(log, 'utf8'), 'ran\n');
    const written = outputs.map((o) => JSON.parse(o.trim().split('\n').at(-1)!).written).sort();
    assert.deepEqual(written, [false, true]);
    assert.equal(outputs.filter((o) => o.includes('waiting')).length, 1);
    assert.equal(existsSync(`${path}.lock`), false);
  });

  test('a lock left by a dead process is taken over; a live holder times out with its pid named', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, JSON.stringify({ version: 0, data: {}, history: [] }));
    const dead = spawn(process.execPath, ['-e', '0']);
    await once(dead, 'exit');
    const { hostname } = await import('node:os');
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: dead.pid, host: hostname(), token: 'old', at: '2026-01-01T00:00:00Z' }));
    assert.equal((await new DocumentMigrator({ store: jsonFileStore(path), migrations: [addOne] }).migrate()).version, 1);
    assert.equal(existsSync(`${path}.lock`), false);

    const holder = runScript(
      dir,
      'holder.mts',
      `
const release = await strata.jsonFileStore(${JSON.stringify(path)}).lock(1000, () => {});
process.stdout.write('holding\\n');
await new Promise((r) => setTimeout(r, 30000));
await release();
`,
    );
    await waitFor(holder, 'holding');
    try {
      await assert.rejects(
        new DocumentMigrator({ store: jsonFileStore(path), migrations: [addOne, addTwo], lockTimeoutMs: 200 }).migrate(),
        codeOf('LOCK_TIMEOUT', new RegExp(`held by process ${holder.pid} on `)),
      );
    } finally {
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    // The holder died without releasing: the next run takes the stale lock over.
    assert.equal((await new DocumentMigrator({ store: jsonFileStore(path), migrations: [addOne, addTwo] }).migrate()).version, 2);
  });
});
