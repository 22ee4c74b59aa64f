/**
 * Seed 002 through the real CLI (dist/cli/main.cjs) on a temp copy of the example: five SQLite
 * files, one strata.config.json. Migrate all, status across all five, rollback to a named version
 * (dependents first), failed and blocked steps, pre-migration backups with a manifest, verify and
 * the 30-day retention, and a second migrate that changes nothing.
 *
 * Run after `npm run build`: node --import tsx --test examples/felix/test/*.test.ts
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertFailure, assertOk, describeRun, parseJson, query } from '../../../test/helpers.js';
import { KnowledgeStore } from '../src/knowledge-store.js';
import { DATABASES, DEPENDS_ON, PLAN, applied, columns, copyExample, objects, readManifest, snapshot, type Name, type Project } from './project.js';

interface StatusStep {
  version: string;
  name: string;
  state: string;
  dependsOn?: string[];
  blockedBy?: string[];
  rolledBack?: boolean;
  error?: string;
}
interface DatabaseStatus {
  name: Name;
  exists: boolean;
  currentVersion: string | null;
  migrations: StatusStep[];
  problems: unknown[];
}

function statusJson(p: Project, ...args: string[]): DatabaseStatus[] {
  const result = p.run('status', '--json', ...args);
  assertOk(result);
  return parseJson<{ databases: DatabaseStatus[] }>(result).databases;
}

function snapshots(p: Project): Record<string, unknown> {
  return Object.fromEntries(DATABASES.map((name) => [name, snapshot(p.db(name))]));
}

/** Each database migrated to its first step, so the next migrate has something to back up. */
function migrateFirstSteps(p: Project): void {
  for (const name of DATABASES) assertOk(p.run('migrate', '--database', name, '--to', PLAN[name][0]!));
}

/** Dry-run rollback order (and proof that nothing changed). */
function dryRunRollback(p: Project, name: Name, to: string): string[] {
  const before = snapshot(p.db(name));
  const result = p.run('rollback', to, '--database', name, '--dry-run', '--json');
  assertOk(result);
  const report = parseJson<{ dryRun: boolean; results: { version: string; status: string }[] }>(result);
  assert.equal(report.dryRun, true);
  assert.ok(
    report.results.every((r) => r.status === 'planned'),
    describeRun(result),
  );
  assert.deepEqual(snapshot(p.db(name)), before, 'a dry run changes nothing');
  return report.results.map((r) => r.version);
}

/** Every step is reverted before anything it depends on. */
function assertDependentsFirst(order: string[]): void {
  for (const [step, needs] of Object.entries(DEPENDS_ON)) {
    for (const dependency of needs) {
      if (order.includes(step) && order.includes(dependency))
        assert.ok(order.indexOf(step) < order.indexOf(dependency), `${step} must be reverted before ${dependency}: ${order.join(', ')}`);
    }
  }
}

describe('felix: five databases through the CLI', () => {
  test('migrate runs all five in config order, each in its dependency order; status shows them all; migrate again is a no-op', () => {
    const p = copyExample();

    const before = statusJson(p);
    assert.deepEqual(
      before.map((d) => d.name),
      [...DATABASES],
    );
    for (const database of before) {
      assert.equal(database.exists, false, database.name);
      assert.deepEqual(
        database.migrations.map((m) => `${m.version} ${m.state}`),
        PLAN[database.name].map((v) => `${v} pending`),
      );
      for (const m of database.migrations) assert.deepEqual(m.dependsOn ?? [], DEPENDS_ON[m.version] ?? [], m.version);
    }

    const result = p.run('migrate', '--json');
    assertOk(result);
    const report = parseJson<{
      ok: boolean;
      databases: { name: string; status: string; currentVersion: string; results: { version: string; status: string }[] }[];
    }>(result);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.databases.map((d) => [d.name, d.status, d.currentVersion, d.results.map((r) => `${r.status} ${r.version}`)]),
      DATABASES.map((name) => [name, 'succeeded', PLAN[name].at(-1), PLAN[name].map((v) => `applied ${v}`)]),
    );
    for (const name of DATABASES) assert.deepEqual(applied(p.db(name)), PLAN[name], name);

    // What each database holds now.
    assert.deepEqual(
      objects(p.db('knowledge'), 'table').filter((t) => !t.startsWith('knowledge_fts_')),
      ['document_sources', 'knowledge_entries', 'knowledge_fts', 'knowledge_relationships', 'knowledge_usage', 'knowledge_validation'],
    );
    assert.deepEqual(objects(p.db('knowledge'), 'trigger'), ['knowledge_fts_ad', 'knowledge_fts_ai', 'knowledge_fts_au']);
    assert.deepEqual(objects(p.db('knowledge'), 'view'), ['knowledge_trust']);
    assert.deepEqual(objects(p.db('memory'), 'table'), ['task_categories', 'task_executions', 'task_patterns']);
    assert.deepEqual(objects(p.db('task_memory'), 'table'), ['calibration_data', 'recommendations', 'threshold_records', 'workflow_patterns']);
    assert.deepEqual(objects(p.db('workflow_history'), 'table'), ['agent_performance', 'feedback_patterns', 'user_feedback', 'workflow_history']);
    assert.deepEqual(objects(p.db('workflow_history'), 'view'), ['workflow_agent_summary']);
    assert.deepEqual(objects(p.db('command_history'), 'table'), ['command_history']);
    for (const column of ['trust_level', 'approval_status', 'approved_by', 'approved_at', 'risk_score'])
      assert.ok(columns(p.db('command_history'), 'command_history').includes(column), column);
    // Empty databases have nothing to back up.
    for (const name of DATABASES) assert.deepEqual(p.backups(name), [], name);

    const after = statusJson(p);
    assert.deepEqual(
      after.map((d) => [d.name, d.exists, d.currentVersion, d.problems.length, d.migrations.map((m) => `${m.version} ${m.state}`)]),
      DATABASES.map((name) => [name, true, PLAN[name].at(-1), 0, PLAN[name].map((v) => `${v} applied`)]),
    );
    const text = p.run('status');
    assertOk(text);
    assert.deepEqual(
      [...text.stdout.matchAll(/^== (\S+) ==$/gm)].map((m) => m[1]),
      [...DATABASES],
      describeRun(text),
    );
    assert.match(text.stdout, /^knowledge_validation001 +truth_assessment +applied .* knowledge002$/m);

    // validate: checksums, integrity, and every applied step's verify run again.
    const validate = p.run('validate', '--json');
    assertOk(validate);
    assert.deepEqual(
      parseJson<{ ok: boolean; databases: { name: string; ok: boolean; verify: unknown[] }[] }>(validate).databases.map((d) => [d.name, d.ok, d.verify]),
      DATABASES.map((name) => [name, true, []]),
    );

    // Again: nothing to do, nothing written, no backup.
    const state = snapshots(p);
    const again = p.run('migrate', '--json');
    assertOk(again);
    assert.deepEqual(
      parseJson<{ databases: { name: string; status: string; results: unknown[] }[] }>(again).databases.map((d) => [d.name, d.status, d.results.length]),
      DATABASES.map((name) => [name, 'succeeded', 0]),
    );
    assert.deepEqual(snapshots(p), state);
    for (const name of DATABASES) assert.deepEqual(p.backups(name), [], name);
  });

  test('validate re-runs the verifies: a dropped FTS trigger and the stale index it leaves are reported', () => {
    const p = copyExample();
    assertOk(p.run('migrate', '--database', 'knowledge'));
    const db = new Database(p.db('knowledge'));
    db.exec('DROP TRIGGER knowledge_fts_au');
    db.prepare("INSERT INTO knowledge_entries (knowledge_id, knowledge_type, title, content) VALUES ('k', 'task_result', 'old title', 'old words')").run();
    db.prepare("UPDATE knowledge_entries SET content = 'new words'").run();
    db.close();
    const result = p.run('validate', '--database', 'knowledge', '--json');
    assert.equal(result.code, 1, describeRun(result));
    const [knowledge] = parseJson<{ databases: { ok: boolean; verify: { version: string; error: string }[] }[] }>(result).databases;
    assert.equal(knowledge!.ok, false);
    assert.deepEqual(
      knowledge!.verify.map((v) => v.version),
      ['fts001'],
    );
    assert.match(knowledge!.verify[0]!.error, /sync trigger\(s\) missing: knowledge_fts_au/);
  });

  test('rollback to a named version reverts what depends on it first; the dry run shows that order', () => {
    const p = copyExample();
    assertOk(p.run('migrate'));
    const store = new KnowledgeStore(p.db('knowledge'));
    const doc = store.addDocumentSource({ filePath: '/docs/sqlite.md', fileType: 'md', fileSize: 2048, fileHash: 'abc123' });
    store.addEntry({
      knowledgeId: 'k1',
      type: 'domain_expertise',
      title: 'WAL mode',
      content: 'Write-ahead logging lets readers continue while one writer commits',
      domain: 'sqlite',
      sourceDocId: doc,
      chunkIndex: 0,
    });
    store.addEntry({
      knowledgeId: 'k2',
      type: 'agent_insight',
      title: 'Batch inserts',
      content: 'One transaction per batch is much faster than autocommit',
      domain: 'sqlite',
    });
    store.close();

    // knowledge001 stays; knowledge002 goes, and knowledge_validation001 (which reads its columns) before it.
    assert.deepEqual(dryRunRollback(p, 'knowledge', 'knowledge001'), ['knowledge_validation001', 'knowledge002']);
    // The whole category: everything that depends on knowledge001, dependents first.
    const all = dryRunRollback(p, 'knowledge', 'knowledge000');
    assert.deepEqual(all, ['knowledge_validation001', 'knowledge002', 'fts001', 'knowledge_brain001', 'knowledge001']);
    assertDependentsFirst(all);
    // workflow001 stays with feedback001 (it needs only workflow001); agent_performance001 reads workflow002's column.
    assert.deepEqual(dryRunRollback(p, 'workflow_history', 'workflow001'), ['agent_performance001', 'workflow002']);

    // Several databases configured: rollback needs --database.
    assertFailure(p.run('rollback', 'knowledge001'), 'USAGE', 2);

    const others = Object.fromEntries(DATABASES.filter((n) => n !== 'knowledge').map((n) => [n, snapshot(p.db(n))]));
    const rolled = p.run('rollback', 'knowledge001', '--database', 'knowledge', '--json');
    assertOk(rolled);
    assert.deepEqual(
      parseJson<{ results: { version: string; status: string }[] }>(rolled).results.map((r) => `${r.status} ${r.version}`),
      ['reverted knowledge_validation001', 'reverted knowledge002'],
    );
    assert.deepEqual(applied(p.db('knowledge')), ['knowledge001', 'knowledge_brain001', 'fts001']);
    assert.ok(!objects(p.db('knowledge'), 'table').includes('knowledge_validation'));
    assert.deepEqual(objects(p.db('knowledge'), 'view'), []);
    assert.ok(!columns(p.db('knowledge'), 'knowledge_entries').includes('embedding'));
    assert.ok(!columns(p.db('knowledge'), 'knowledge_entries').includes('source_doc_id'));
    // The entries and their index survive the rollback.
    const reader = new KnowledgeStore(p.db('knowledge'));
    assert.deepEqual(
      reader.search('readers writer').map((h) => h.knowledgeId),
      ['k1'],
    );
    reader.checkIndex();
    reader.close();
    for (const [name, state] of Object.entries(others)) assert.deepEqual(snapshot(p.db(name as Name)), state, `${name} must be untouched`);

    const status = statusJson(p, '--database', 'knowledge')[0]!;
    assert.deepEqual(
      status.migrations.map((m) => `${m.version} ${m.state}`),
      ['knowledge001 applied', 'knowledge_brain001 applied', 'fts001 applied', 'knowledge002 pending', 'knowledge_validation001 pending'],
    );

    assertOk(p.run('rollback', 'workflow001', '--database', 'workflow_history'));
    assert.deepEqual(applied(p.db('workflow_history')), ['workflow001', 'feedback001']);
    assert.deepEqual(objects(p.db('workflow_history'), 'table'), ['feedback_patterns', 'user_feedback', 'workflow_history']);
    assert.ok(!columns(p.db('workflow_history'), 'workflow_history').includes('processing_time_ms'));

    // Forward again: only what was rolled back runs.
    const forward = p.run('migrate', '--json');
    assertOk(forward);
    assert.deepEqual(
      parseJson<{ databases: { name: string; results: { version: string }[] }[] }>(forward).databases.map((d) => [d.name, d.results.map((r) => r.version)]),
      [
        ['knowledge', ['knowledge002', 'knowledge_validation001']],
        ['memory', []],
        ['task_memory', []],
        ['workflow_history', ['workflow002', 'agent_performance001']],
        ['command_history', []],
      ],
    );
    // A down that drops columns drops their data: k1's source_doc_id is gone, so the validation
    // backfill of the second run finds no document-sourced entry.
    assert.deepEqual(query(p.db('knowledge'), 'SELECT count(*) AS n FROM knowledge_validation'), [{ n: 0 }]);
    assert.deepEqual(query(p.db('knowledge'), 'SELECT knowledge_id, title FROM knowledge_entries ORDER BY id'), [
      { knowledge_id: 'k1', title: 'WAL mode' },
      { knowledge_id: 'k2', title: 'Batch inserts' },
    ]);
  });

  test('a step that fails is shown failed (rolled back) with its error, and blocks what depends on it', () => {
    const p = copyExample();
    const file = join(p.dir, 'migrations', 'knowledge', 'knowledge002_embeddings_and_sources.sql');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('-- migrate:down', 'UPDATE knowledge_entries SET source_doc_id = no_such_column;\n\n-- migrate:down'));

    const failed = p.run('migrate', '--json');
    assert.equal(failed.code, 1, describeRun(failed));
    const report = parseJson<{ ok: boolean; error: { code: string; database: string }; databases: { name: string; status: string }[] }>(failed);
    assert.equal(report.ok, false);
    assert.equal(report.error.code, 'MIGRATION_FAILED');
    assert.equal(report.error.database, 'knowledge');
    assert.deepEqual(
      report.databases.map((d) => `${d.name} ${d.status}`),
      ['knowledge failed', 'memory not-run', 'task_memory not-run', 'workflow_history not-run', 'command_history not-run'],
    );

    const [knowledge, ...rest] = statusJson(p);
    const step = (version: string) => knowledge!.migrations.find((m) => m.version === version)!;
    assert.deepEqual(
      knowledge!.migrations.map((m) => `${m.version} ${m.state}`),
      ['knowledge001 applied', 'knowledge_brain001 applied', 'fts001 applied', 'knowledge002 failed', 'knowledge_validation001 pending'],
    );
    assert.equal(step('knowledge002').rolledBack, true);
    assert.match(step('knowledge002').error ?? '', /no such column: no_such_column/);
    assert.deepEqual(step('knowledge_validation001').blockedBy, ['knowledge002']);
    assert.equal(step('fts001').blockedBy, undefined);
    // Nothing of the failed step is applied (its transaction rolled back).
    assert.ok(!columns(p.db('knowledge'), 'knowledge_entries').includes('embedding'));
    for (const database of rest) {
      assert.equal(database.exists, false, `${database.name} was never opened`);
      assert.ok(database.migrations.every((m) => m.state === 'pending'));
    }
    const text = p.run('status', '--database', 'knowledge');
    assertOk(text);
    assert.match(text.stdout, /knowledge_validation001 +truth_assessment +pending \(blocked by knowledge002\)/);
    assert.match(text.stdout, /knowledge002 +embeddings_and_sources +failed \(rolled back\)/);

    writeFileSync(file, good);
    const fixed = p.run('migrate', '--json');
    assertOk(fixed);
    assert.deepEqual(
      parseJson<{ databases: { results: unknown[] }[] }>(fixed).databases.map((d) => d.results.length),
      [2, 4, 2, 4, 2],
    );
    assert.deepEqual(applied(p.db('knowledge')), PLAN.knowledge);
  });

  test('a verified backup of each database before its migration, with a manifest; verify catches a damaged one', () => {
    const p = copyExample();
    migrateFirstSteps(p);
    const store = new KnowledgeStore(p.db('knowledge'));
    // knowledge001 only: the store's columns of later steps are not there yet, so insert directly.
    store.db
      .prepare("INSERT INTO knowledge_entries (knowledge_id, knowledge_type, title, content) VALUES ('k1', 'task_result', 'kept', 'in the backup')")
      .run();
    store.close();
    assertOk(p.run('migrate'));

    for (const name of DATABASES) {
      const ids = p.backups(name);
      assert.equal(ids.length, 1, `${name}: ${ids.join(', ')}`);
      const id = ids[0]!;
      assert.match(id, new RegExp(`^felix_${name}\\.\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}(-\\d+)?$`));
      const manifest = readManifest(p, id);
      assert.equal(manifest.id, id);
      assert.equal(manifest.kind, 'sqlite');
      assert.ok(String(manifest.source).endsWith(`felix_${name}.db`), String(manifest.source));
      assert.equal(manifest.schemaVersion, PLAN[name][0], 'the state before the run');
      assert.equal(manifest.verified, true);
      assert.match(String(manifest.description), /before migrate/);
      const bytes = readFileSync(join(p.backupsDir, String(manifest.file)));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), manifest.sha256);
      assertOk(p.run('backup', 'verify', id, '--database', name));
      // Each database lists its own backups only (felix_memory is not felix_task_memory).
      const list = p.run('backup', 'list', '--database', name, '--json');
      assertOk(list);
      assert.deepEqual(
        parseJson<{ backups: { id: string }[] }>(list).backups.map((b) => b.id),
        [id],
      );
    }

    // The knowledge backup holds the database as it was before the run: knowledge001 and its row.
    const restored = join(p.dir, 'restored-knowledge.db');
    assertOk(p.run('backup', 'restore', p.backups('knowledge')[0]!, '--to', restored, '--database', 'knowledge'));
    assert.deepEqual(objects(restored, 'table'), ['knowledge_entries']);
    assert.deepEqual(query(restored, 'SELECT title FROM knowledge_entries'), [{ title: 'kept' }]);

    // A flipped byte is caught.
    const memory = readManifest(p, p.backups('memory')[0]!);
    const file = join(p.backupsDir, String(memory.file));
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(file, bytes);
    assertFailure(p.run('backup', 'verify', String(memory.id), '--database', 'memory'), 'BACKUP_CORRUPT');
  });

  test('retention keeps 30 days: an older backup goes at the next run, a newer one stays, the last good one always stays', () => {
    const p = copyExample();
    migrateFirstSteps(p);
    assertOk(p.run('migrate'));
    assertOk(p.run('rollback', 'knowledge001', '--database', 'knowledge'));
    const [first, second] = p.backups('knowledge');
    assert.ok(first && second, p.backups('knowledge').join(', '));
    const age = (id: string, days: number) => {
      const path = join(p.backupsDir, `${id}.manifest.json`);
      const manifest = JSON.parse(readFileSync(path, 'utf8'));
      manifest.createdAt = new Date(Date.now() - days * 86_400_000).toISOString();
      writeFileSync(path, JSON.stringify(manifest, null, 2));
    };
    age(first, 40);
    age(second, 20);
    const [memoryOnly] = p.backups('memory');
    age(memoryOnly!, 45);

    assertOk(p.run('migrate', '--database', 'knowledge'));
    const kept = p.backups('knowledge');
    assert.equal(kept.length, 2, kept.join(', '));
    assert.ok(!kept.includes(first), 'the 40-day-old backup is pruned');
    assert.ok(kept.includes(second), 'the 20-day-old backup is kept');
    assert.ok(!existsSync(join(p.backupsDir, `${first}.bak`)), 'its data file goes with its manifest');
    // Another database's backups are not touched by this one's retention...
    assert.deepEqual(p.backups('memory'), [memoryOnly]);
    // ...and its own prune keeps its only (newest verified) backup, however old.
    assertOk(p.run('backup', 'prune', '--database', 'memory'));
    assert.deepEqual(p.backups('memory'), [memoryOnly]);
  });
});

// The database file is a real SQLite file the app opens on its own as well.
test('the CLI-migrated knowledge database opens with plain better-sqlite3', () => {
  const p = copyExample();
  assertOk(p.run('migrate', '--database', 'knowledge'));
  const db = new Database(p.db('knowledge'), { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.deepEqual(db.prepare("SELECT count(*) AS n FROM knowledge_fts WHERE knowledge_fts MATCH 'x'").get(), { n: 0 });
  } finally {
    db.close();
  }
});
