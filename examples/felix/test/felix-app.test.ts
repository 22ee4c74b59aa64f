/**
 * Seed 002 through the API, in process: the app's own start-up migration of the five databases
 * (src/felix-databases.ts), knowledge search through the FTS5 index after inserts, updates and
 * deletes (src/knowledge-store.ts), the history the FTS trigger fix repairs, the learning schema
 * fix's conversions, and every migration's down restoring exactly the schema before it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator } from 'strata-migrate';
import { query } from '../../../test/helpers.js';
import { FELIX_DATABASES, felixStatus, knowledgeDatabase, migrateFelix, readFelixConfig } from '../src/felix-databases.js';
import { KnowledgeStore, toFtsQuery } from '../src/knowledge-store.js';
import { DATABASES, LEDGER, PLAN, applied, columns, copyExample, objects, schemaOf, type Name, type Project } from './project.js';

function migratorFor(p: Project, name: Name) {
  return createMigrator({ db: p.db(name), dir: join(p.dir, 'migrations', name), table: LEDGER, backup: false });
}

const ids = (hits: { knowledgeId: string }[]) => hits.map((h) => h.knowledgeId);

describe('felix: the app migrates its databases on start-up', () => {
  test('migrateFelix applies all five in order, then finds nothing to do; status agrees', async () => {
    const p = copyExample();
    assert.deepEqual(
      readFelixConfig(p.config).map((d) => [d.name, d.db, d.table, d.backup]),
      FELIX_DATABASES.map((name) => [name, p.db(name), LEDGER, { keepDays: 30 }]),
    );
    const seen: string[] = [];
    const first = await migrateFelix(p.config, (name) => seen.push(name));
    assert.deepEqual(seen, [...DATABASES]);
    for (const name of DATABASES)
      assert.deepEqual(
        first.get(name)!.results.map((r) => r.version),
        PLAN[name],
        name,
      );
    const second = await migrateFelix(p.config);
    for (const name of DATABASES) assert.deepEqual(second.get(name)!.results, [], name);
    const status = await felixStatus(p.config);
    for (const name of DATABASES)
      assert.deepEqual(
        status.get(name)!.migrations.map((m) => `${m.version} ${m.state}`),
        PLAN[name].map((v) => `${v} applied`),
      );
    assert.equal(knowledgeDatabase(p.config), p.db('knowledge'));
  });

  test('readFelixConfig refuses settings it would silently ignore', () => {
    const p = copyExample();
    writeFileSync(p.config, JSON.stringify({ databases: { knowledge: { db: 'k.db', dir: 'm', pragmas: {} } } }));
    assert.throws(() => readFelixConfig(p.config), /expected the databases knowledge, memory, task_memory, workflow_history, command_history, found knowledge/);
    const all = Object.fromEntries(FELIX_DATABASES.map((name) => [name, { db: `${name}.db`, dir: name }]));
    writeFileSync(p.config, JSON.stringify({ lockTimeoutMs: 5, databases: all }));
    assert.throws(() => readFelixConfig(p.config), /does not read: lockTimeoutMs/);
  });
});

describe('felix: knowledge search through knowledge_fts', () => {
  async function store(): Promise<KnowledgeStore> {
    const p = copyExample();
    await migrateFelix(p.config);
    return new KnowledgeStore(knowledgeDatabase(p.config));
  }

  test('inserted entries are found, best match first, by prefix, within a domain', async () => {
    const kb = await store();
    try {
      kb.addEntry({
        knowledgeId: 'wal',
        type: 'domain_expertise',
        title: 'SQLite WAL mode',
        content: 'Readers continue while a writer commits; checkpoints move pages back.',
        domain: 'databases',
        tags: ['sqlite'],
      });
      kb.addEntry({
        knowledgeId: 'batch',
        type: 'optimization_data',
        title: 'Batch inserts',
        content: 'Wrapping inserts in one SQLite transaction is far faster than autocommit.',
        domain: 'databases',
      });
      kb.addEntry({
        knowledgeId: 'spawn',
        type: 'agent_insight',
        title: 'Spawning research agents',
        content: 'Spawn a second research agent when confidence stays below the threshold.',
        domain: 'agents',
      });
      // Title matches weigh more than content matches.
      assert.deepEqual(ids(kb.search('sqlite')), ['wal', 'batch']);
      assert.deepEqual(ids(kb.search('optim')), [], 'no entry says optim*');
      assert.deepEqual(ids(kb.search('autocom')), ['batch'], 'a prefix');
      assert.deepEqual(ids(kb.search('autocom', { prefix: false })), [], 'whole words only');
      assert.deepEqual(ids(kb.search('commit')), ['wal'], 'porter stemming: commit ~ commits; autocommit is another word');
      assert.deepEqual(ids(kb.search('autocommit')), ['batch']);
      assert.deepEqual(ids(kb.search('spawning')), ['spawn'], 'porter stemming: spawning ~ spawn');
      assert.deepEqual(ids(kb.search('agents research')), ['spawn']);
      assert.deepEqual(ids(kb.search('agents', { domain: 'databases' })), []);
      assert.deepEqual(ids(kb.search('sqlite', { limit: 1 })), ['wal']);
      const [hit] = kb.search('checkpoints');
      assert.match(hit!.snippet, /\[checkpoints\]/);
      assert.ok(hit!.score < 0, 'bm25: negative, lower is better');
      // User input is words, never FTS5 syntax.
      assert.equal(toFtsQuery('C++ -v AND "x'), '"C"* "v"* "AND"* "x"*');
      assert.deepEqual(kb.search('NEAR( AND OR *'), []);
      assert.deepEqual(kb.search('  ,; '), []);
      kb.checkIndex();
    } finally {
      kb.close();
    }
  });

  test('updates and deletes through knowledge_entries reach the index (the triggers of fts001)', async () => {
    const kb = await store();
    try {
      const id = kb.addEntry({
        knowledgeId: 'tool',
        type: 'tool_instruction',
        title: 'Running pytest',
        content: 'Use pytest with the verbose flag to see each test.',
        domain: 'testing',
      });
      kb.addEntry({
        knowledgeId: 'other',
        type: 'tool_instruction',
        title: 'Running vitest',
        content: 'vitest watch reruns changed tests.',
        domain: 'testing',
      });
      assert.deepEqual(ids(kb.search('pytest')), ['tool']);

      assert.equal(kb.updateEntry('tool', { title: 'Running unittest', content: 'Use python -m unittest discover for the standard library runner.' }), true);
      assert.deepEqual(ids(kb.search('pytest')), [], 'the old terms are gone');
      assert.deepEqual(ids(kb.search('unittest discover')), ['tool']);
      assert.deepEqual(ids(kb.search('running')).sort(), ['other', 'tool']);
      assert.equal(kb.updateEntry('tool', { domain: 'python' }), true);
      assert.deepEqual(ids(kb.search('python')), ['tool'], 'domain is indexed too');
      assert.deepEqual(ids(kb.search('testing')), ['other']);

      const other = kb.get('other')!.id;
      kb.relate(id, other, 'related', 0.8);
      kb.recordUsage(id, { workflowId: 'wf-1', agentId: 'research-1', useful: true });
      assert.equal(kb.get('tool')!.accessCount, 1);
      assert.deepEqual(
        kb.related(other).map((r) => r.knowledgeId),
        ['tool'],
      );

      assert.equal(kb.deleteEntry('tool'), true);
      assert.deepEqual(ids(kb.search('unittest')), []);
      assert.deepEqual(ids(kb.search('running')), ['other']);
      assert.deepEqual(kb.related(other), [], 'relationships go with the entry');
      assert.deepEqual(query(knowledgeDatabaseOf(kb), 'SELECT count(*) AS n FROM knowledge_usage'), [{ n: 0 }]);
      assert.equal(kb.deleteEntry('tool'), false);
      assert.equal(kb.updateEntry('tool', { title: 'x' }), false);
      kb.checkIndex();
    } finally {
      kb.close();
    }
  });
});

function knowledgeDatabaseOf(kb: KnowledgeStore): string {
  return kb.db.name;
}

describe('felix: the FTS history the migrations replay', () => {
  test('knowledge_brain001 indexes the entries that exist; its insert-only trigger misses edits; fts001 repairs them; its down restores the old trigger', async () => {
    const p = copyExample();
    const migrator = migratorFor(p, 'knowledge');
    try {
      await migrator.migrate({ to: 'knowledge001' });
      const raw = new KnowledgeStore(p.db('knowledge'));
      const insert = raw.db.prepare('INSERT INTO knowledge_entries (knowledge_id, knowledge_type, title, content) VALUES (?, ?, ?, ?)');
      insert.run('old1', 'task_result', 'Legacy synthesis', 'Written before the index existed');
      insert.run('old2', 'failure_analysis', 'Timeout analysis', 'The web search agent timed out');

      await migrator.migrate({ to: 'knowledge_brain001' });
      assert.deepEqual(ids(raw.search('legacy')), ['old1'], 'populate() indexed the existing rows');
      assert.deepEqual(objects(p.db('knowledge'), 'trigger'), ['knowledge_fts_ai']);
      // The seed's bug, as the brain shipped: an edit is not seen by the index.
      raw.db.prepare("UPDATE knowledge_entries SET content = 'The crawler agent timed out' WHERE knowledge_id = 'old2'").run();
      assert.deepEqual(ids(raw.search('crawler')), []);
      assert.throws(() => raw.checkIndex(), /malformed|corrupt/i, 'the index no longer matches its content table');

      const report = await migrator.migrate({ to: 'fts001' });
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['fts001'],
      );
      assert.deepEqual(objects(p.db('knowledge'), 'trigger'), ['knowledge_fts_ad', 'knowledge_fts_ai', 'knowledge_fts_au']);
      assert.deepEqual(ids(raw.search('crawler')), ['old2'], 'rebuilt from the entries');
      raw.checkIndex();

      const back = await migrator.rollback({ to: 'fts000' });
      assert.deepEqual(
        back.results.map((r) => r.version),
        ['fts001'],
      );
      assert.deepEqual(objects(p.db('knowledge'), 'trigger'), ['knowledge_fts_ai']);
      raw.close();
    } finally {
      await migrator.close();
    }
  });

  test('knowledge_validation001 starts document-sourced entries as unverified, with the document as evidence', async () => {
    const p = copyExample();
    const migrator = migratorFor(p, 'knowledge');
    try {
      // --to: knowledge002 and what it needs (the brain, knowledge001), not fts001.
      assert.deepEqual(
        (await migrator.migrate({ to: 'knowledge002' })).results.map((r) => r.version),
        ['knowledge001', 'knowledge_brain001', 'knowledge002'],
      );
      const kb = new KnowledgeStore(p.db('knowledge'));
      const doc = kb.addDocumentSource({ filePath: '/papers/agents.pdf', fileType: 'pdf', fileSize: 1000, fileHash: 'h1' });
      kb.addEntry({ knowledgeId: 'chunk0', type: 'domain_expertise', title: 'Agents', content: 'chunk zero', sourceDocId: doc, chunkIndex: 0 });
      kb.addEntry({ knowledgeId: 'insight', type: 'agent_insight', title: 'Insight', content: 'from an agent' });
      kb.close();
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['fts001', 'knowledge_validation001'],
      );
      assert.deepEqual(
        query(
          p.db('knowledge'),
          'SELECT e.knowledge_id, v.validation_status, v.validation_method, v.evidence_json FROM knowledge_validation AS v JOIN knowledge_entries AS e ON e.id = v.knowledge_id',
        ),
        [
          {
            knowledge_id: 'chunk0',
            validation_status: 'unverified',
            validation_method: 'source_agreement',
            evidence_json: `[{"source_doc_id":${doc},"chunk_index":0}]`,
          },
        ],
      );
      assert.deepEqual(query(p.db('knowledge'), 'SELECT knowledge_id, source_type, truth_score FROM knowledge_trust ORDER BY id'), [
        { knowledge_id: 'chunk0', source_type: 'document', truth_score: 0 },
        { knowledge_id: 'insight', source_type: 'agent', truth_score: 0 },
      ]);
    } finally {
      await migrator.close();
    }
  });
});

describe('felix: the learning schema fix (learning002)', () => {
  test('converts the v1 rows, merges duplicate patterns, keeps recommendations pointing at them; its down restores v1', async () => {
    const p = copyExample();
    const migrator = migratorFor(p, 'task_memory');
    try {
      await migrator.migrate({ to: 'learning001' });
      const kb = new KnowledgeStore(p.db('task_memory'));
      kb.db.exec(`
        INSERT INTO workflow_patterns (id, pattern_hash, task_type, complexity, success_rate, avg_duration, sample_count) VALUES
          (1, 'h-research', 'research', 'Complex', '85%', '12.5', 4),
          (2, 'h-research', 'research', 'complex', '0.9', '11', 6),
          (3, 'h-code', 'coding', 'weird', 'n/a', '', NULL);
        INSERT INTO threshold_records (threshold_name, threshold_value, previous_value, outcome) VALUES
          ('confidence_threshold', '0.75', '80%', 'SUCCESS'),
          ('spawn_threshold', '1.4', NULL, 'meh');
        INSERT INTO calibration_data (agent_type, predicted_confidence, actual_success) VALUES
          ('research', 0.8, 1), ('critic', 0.3, 5), ('analysis', NULL, 0);
        INSERT INTO recommendations (pattern_id, recommendation_type, recommendation_json, confidence, applied) VALUES
          (1, 'agent_mix', '{"add":"critic"}', 0.7, 'true'),
          (3, 'threshold', 'lower it', 1.2, 'false');
      `);
      kb.close();

      await migrator.migrate();
      const db = p.db('task_memory');
      assert.deepEqual(
        query(
          db,
          'SELECT id, pattern_hash, complexity, success_rate, typeof(success_rate) AS t, avg_duration_seconds, sample_count FROM workflow_patterns ORDER BY id',
        ),
        [
          { id: 2, pattern_hash: 'h-research', complexity: 'complex', success_rate: 0.9, t: 'real', avg_duration_seconds: 11, sample_count: 6 },
          { id: 3, pattern_hash: 'h-code', complexity: null, success_rate: 0, t: 'real', avg_duration_seconds: null, sample_count: 0 },
        ],
      );
      assert.deepEqual(query(db, 'SELECT threshold_name, threshold_value, previous_value, outcome FROM threshold_records ORDER BY id'), [
        { threshold_name: 'confidence_threshold', threshold_value: 0.75, previous_value: 0.8, outcome: 'success' },
        { threshold_name: 'spawn_threshold', threshold_value: 1, previous_value: null, outcome: null },
      ]);
      assert.deepEqual(
        query(db, 'SELECT agent_type, predicted_confidence, actual_success, round(calibration_error, 3) AS e FROM calibration_data ORDER BY id'),
        [
          { agent_type: 'research', predicted_confidence: 0.8, actual_success: 1, e: 0.2 },
          { agent_type: 'critic', predicted_confidence: 0.3, actual_success: 0, e: 0.3 },
        ],
      );
      assert.deepEqual(query(db, 'SELECT pattern_id, recommendation_json, confidence, applied FROM recommendations ORDER BY id'), [
        { pattern_id: 2, recommendation_json: '{"add":"critic"}', confidence: 0.7, applied: 1 },
        { pattern_id: 3, recommendation_json: '{"text":"lower it"}', confidence: 1, applied: 0 },
      ]);
      assert.deepEqual(query(db, 'SELECT * FROM pragma_foreign_key_check'), []);
      // The constraints now hold.
      const write = new KnowledgeStore(db);
      assert.throws(
        () => write.db.prepare("INSERT INTO workflow_patterns (pattern_hash, task_type, success_rate) VALUES ('h-code', 'x', 0.5)").run(),
        /UNIQUE/,
      );
      assert.throws(() => write.db.prepare("INSERT INTO workflow_patterns (pattern_hash, task_type, success_rate) VALUES ('h-new', 'x', 1.5)").run(), /CHECK/);
      assert.throws(
        () => write.db.prepare("INSERT INTO recommendations (recommendation_type, recommendation_json, applied) VALUES ('x', '{}', 'yes')").run(),
        /CHECK/,
      );
      write.close();

      await migrator.rollback({ to: 'learning001' });
      assert.deepEqual(applied(db), ['learning001']);
      assert.deepEqual(columns(db, 'workflow_patterns'), [
        'id',
        'pattern_hash',
        'task_type',
        'complexity',
        'agent_combination_json',
        'success_rate',
        'avg_duration',
        'sample_count',
        'last_seen',
      ]);
      assert.deepEqual(query(db, 'SELECT id, success_rate, typeof(success_rate) AS t FROM workflow_patterns ORDER BY id'), [
        { id: 2, success_rate: '0.9', t: 'text' },
        { id: 3, success_rate: '0.0', t: 'text' },
      ]);
      assert.deepEqual(query(db, 'SELECT pattern_id, applied FROM recommendations ORDER BY id'), [
        { pattern_id: 2, applied: 'true' },
        { pattern_id: 3, applied: 'false' },
      ]);
    } finally {
      await migrator.close();
    }
  });
});

describe('felix: every migration has a working down', () => {
  for (const name of DATABASES) {
    test(`${name}: each step applied one at a time, then rolled back one at a time, restores the schema before it`, async () => {
      const p = copyExample();
      const migrator = migratorFor(p, name);
      try {
        const schemas: string[][] = [];
        for (const version of PLAN[name]) {
          schemas.push(existsOrEmpty(p, name));
          const report = await migrator.migrate({ to: version });
          assert.deepEqual(
            report.results.map((r) => r.version),
            [version],
          );
          assert.notDeepEqual(schemaOf(p.db(name)), schemas.at(-1), `${version} changes the schema`);
        }
        const full = schemaOf(p.db(name));
        for (const version of [...PLAN[name]].reverse()) {
          const report = await migrator.rollback({ steps: 1 });
          assert.deepEqual(
            report.results.map((r) => `${r.status} ${r.version}`),
            [`reverted ${version}`],
          );
          assert.deepEqual(schemaOf(p.db(name)), schemas.pop(), `the down of ${version}`);
        }
        assert.deepEqual(objects(p.db(name), 'table'), []);
        assert.deepEqual(applied(p.db(name)), []);
        await migrator.migrate();
        assert.deepEqual(schemaOf(p.db(name)), full, 'migrating again gives the same schema');
      } finally {
        await migrator.close();
      }
    });
  }
});

function existsOrEmpty(p: Project, name: Name): string[] {
  return applied(p.db(name)).length === 0 ? [] : schemaOf(p.db(name));
}
