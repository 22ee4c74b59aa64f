/**
 * Category versions and dependencies (seed 002): the plan is a deterministic topological order,
 * cycles and missing dependencies are errors that name the chain, rollback reverts dependents
 * first, and status says what failed (when, why) and what that blocks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createMigrator, type StrataError } from '../src/index.js';
import { buildGraph } from '../src/model/graph.js';
import { canonicalVersion, compareVersions } from '../src/model/version.js';
import { abortedAttempts, ledger, tempDir, writeFiles } from './helpers.js';

const node = (version: string, ...dependsOn: string[]) => ({ version, dependsOn, origin: `${version}.sql` });

describe('category versions', () => {
  test('canonical form and order: integers first, then categories by name, then number', () => {
    assert.equal(canonicalVersion('task1'), 'task001');
    assert.equal(canonicalVersion('Task0001'), 'task001');
    assert.equal(canonicalVersion('my_feature_12'), 'my_feature012');
    assert.equal(canonicalVersion('knowledge1234'), 'knowledge1234');
    const sorted = ['task010', 'knowledge002', '12', 'task002', '3', 'knowledge010'].sort(compareVersions);
    assert.deepEqual(sorted, ['3', '12', 'knowledge002', 'knowledge010', 'task002', 'task010']);
  });
});

describe('the plan', () => {
  test('without dependencies it is version order; a dependency moves a step after what it needs', () => {
    const plain = buildGraph([node('task002'), node('system001'), node('task001'), node('knowledge001')]);
    assert.deepEqual(plain.order, ['knowledge001', 'system001', 'task001', 'task002']);
    const graph = buildGraph([node('task001'), node('task002'), node('task003'), node('knowledge001', 'task002'), node('knowledge002'), node('system001')]);
    assert.deepEqual(graph.order, ['system001', 'task001', 'task002', 'knowledge001', 'knowledge002', 'task003']);
    // The same on every machine: the input order does not matter.
    const shuffled = buildGraph([node('knowledge002'), node('task003'), node('system001'), node('knowledge001', 'task002'), node('task002'), node('task001')]);
    assert.deepEqual(shuffled.order, graph.order);
  });

  test('a cycle is an error naming the chain', () => {
    assert.throws(
      () => buildGraph([node('task001', 'knowledge002'), node('knowledge001'), node('knowledge002', 'task001')]),
      (e: StrataError) =>
        e.code === 'MIGRATION_DEPENDENCY_CYCLE' && /cycle: (task001 -> knowledge002 -> task001|knowledge002 -> task001 -> knowledge002)/.test(e.message),
    );
    // Through a category's own order: task002 needs knowledge001, which needs task001 -> task002.
    assert.throws(
      () => buildGraph([node('task001'), node('task002', 'knowledge001'), node('knowledge001', 'task002')]),
      (e: StrataError) => e.code === 'MIGRATION_DEPENDENCY_CYCLE' && e.message.includes('task002') && e.message.includes('knowledge001'),
    );
  });

  test('a dependency no migration has is an error naming both', () => {
    assert.throws(
      () => buildGraph([node('task001', 'knowledge009')]),
      (e: StrataError) => e.code === 'MIGRATION_DEPENDENCY_MISSING' && e.message === 'task001.sql depends on knowledge009, which no migration has',
    );
    // Applied versions whose files are gone still count.
    assert.deepEqual(buildGraph([node('task001', 'knowledge009')], new Set(['knowledge009'])).order, ['task001']);
  });
});

const FILES = {
  'task001_initial.sql': '-- migrate:up\nCREATE TABLE tasks (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE tasks;\n',
  'task002_patterns.sql':
    '-- strata:depends-on knowledge001\n-- migrate:up\nCREATE TABLE task_patterns (id INTEGER PRIMARY KEY, knowledge_id INTEGER REFERENCES knowledge_entries (id));\n-- migrate:down\nDROP TABLE task_patterns;\n',
  'knowledge001_entries.sql':
    '-- migrate:up\nCREATE TABLE knowledge_entries (id INTEGER PRIMARY KEY, content TEXT);\n-- migrate:down\nDROP TABLE knowledge_entries;\n',
  'knowledge002_embeddings.sql':
    '-- migrate:up\nALTER TABLE knowledge_entries ADD COLUMN embedding BLOB;\n-- migrate:down\nALTER TABLE knowledge_entries DROP COLUMN embedding;\n',
  'system001_actions.ts':
    "export const dependsOn = ['task002'];\nexport async function up(ctx) { await ctx.exec('CREATE TABLE command_history (id INTEGER PRIMARY KEY)'); }\nexport async function down(ctx) { await ctx.exec('DROP TABLE command_history'); }\n",
};

function project(files: Record<string, string> = FILES) {
  const dir = tempDir();
  writeFiles(join(dir, 'migrations'), files);
  const db = join(dir, 'felix.db');
  return { dir, db, migrator: createMigrator({ db, dir: join(dir, 'migrations'), backup: false }) };
}

describe('a category project on SQLite', () => {
  test('migrate runs the topological order; status shows each step and its dependencies', async () => {
    const { migrator } = project();
    try {
      const report = await migrator.migrate();
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['knowledge001', 'knowledge002', 'task001', 'task002', 'system001'],
      );
      assert.equal(report.currentVersion, 'system001');
      const status = await migrator.status();
      assert.deepEqual(
        status.migrations.map((m) => `${m.version} ${m.state}`),
        ['knowledge001 applied', 'knowledge002 applied', 'task001 applied', 'task002 applied', 'system001 applied'],
      );
      assert.deepEqual(status.migrations.find((m) => m.version === 'task002')!.dependsOn, ['knowledge001']);
      assert.deepEqual(status.migrations.find((m) => m.version === 'system001')!.dependsOn, ['task002']);
    } finally {
      await migrator.close();
    }
  });

  test('--to a version applies it and what it depends on, nothing else', async () => {
    const { migrator } = project();
    try {
      const report = await migrator.migrate({ to: 'task002' });
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['knowledge001', 'task001', 'task002'],
      );
    } finally {
      await migrator.close();
    }
  });

  test('rollback to knowledge000 reverts what depends on knowledge first; the dry run shows that order', async () => {
    const { migrator, db } = project();
    try {
      await migrator.migrate();
      const statements: string[] = [];
      migrator.on('plan', (e) => statements.push(...e.steps.map((s) => s.version)));
      const dry = await migrator.rollback({ to: 'knowledge000', dryRun: true });
      assert.deepEqual(
        dry.results.map((r) => r.version),
        ['system001', 'task002', 'knowledge002', 'knowledge001'],
      );
      assert.deepEqual(ledger(db).length, 5, 'the dry run changed nothing');
      // Rolling back to knowledge001 keeps it; only knowledge002 goes (nothing depends on it).
      const partial = await migrator.rollback({ to: 'knowledge001' });
      assert.deepEqual(
        partial.results.map((r) => r.version),
        ['knowledge002'],
      );
      const all = await migrator.rollback({ to: 'knowledge000' });
      assert.deepEqual(
        all.results.map((r) => `${r.status} ${r.version}`),
        ['reverted system001', 'reverted task002', 'reverted knowledge001'],
      );
      assert.deepEqual(
        ledger(db).map((r) => r.version),
        ['task001'],
      );
      await assert.rejects(migrator.rollback({ to: 'nosuch000' }), (e: StrataError) => e.code === 'VERSION_UNKNOWN');
    } finally {
      await migrator.close();
    }
  });

  test('a failed step: status shows it failed (when, why), rolled back, and what it blocks; a fixed file runs', async () => {
    const files = {
      ...FILES,
      'knowledge001_entries.sql':
        '-- migrate:up\nCREATE TABLE knowledge_entries (id INTEGER PRIMARY KEY, content TEXT);\nINSERT INTO nope VALUES (1);\n-- migrate:down\nDROP TABLE knowledge_entries;\n',
    };
    const { migrator, db, dir } = project(files);
    try {
      await assert.rejects(migrator.migrate(), (e: StrataError) => e.code === 'MIGRATION_FAILED' && /knowledge001_entries\.sql: statement 2/.test(e.message));
      const status = await migrator.status();
      const failed = status.migrations.find((m) => m.version === 'knowledge001')!;
      assert.equal(failed.state, 'failed');
      assert.equal(failed.rolledBack, true);
      assert.match(failed.error ?? '', /no such table: nope/);
      assert.match(failed.appliedAt ?? '', /^\d{4}-\d{2}-\d{2}T/);
      assert.deepEqual(status.migrations.find((m) => m.version === 'knowledge002')!.blockedBy, ['knowledge001']);
      assert.deepEqual(status.migrations.find((m) => m.version === 'task002')!.blockedBy, ['knowledge001']);
      assert.deepEqual(status.migrations.find((m) => m.version === 'system001')!.blockedBy, ['task002']);
      assert.equal(status.migrations.find((m) => m.version === 'task001')!.blockedBy, undefined);
      assert.deepEqual(status.problems, [], 'a rolled-back failure needs no repair');
      assert.deepEqual(
        abortedAttempts(db).map((r) => r.version),
        ['knowledge001'],
      );
      assert.deepEqual(ledger(db), [], 'nothing is applied');
      writeFiles(join(dir, 'migrations'), FILES);
      const report = await migrator.migrate();
      assert.equal(report.results.length, 5);
      assert.deepEqual(abortedAttempts(db), []);
      assert.deepEqual(
        ledger(db).map((r) => r.status),
        Array(5).fill('applied'),
      );
    } finally {
      await migrator.close();
    }
  });

  test('a pending step older than an applied one of its own category is out of order; other categories are not', async () => {
    const { migrator, dir } = project({ 'task002_b.sql': 'CREATE TABLE b (x);', 'knowledge001_k.sql': 'CREATE TABLE k (x);' });
    try {
      await migrator.migrate();
      writeFiles(join(dir, 'migrations'), { 'task001_a.sql': 'CREATE TABLE a (x);', 'system001_s.sql': 'CREATE TABLE s (x);' });
      await assert.rejects(
        migrator.migrate(),
        (e: StrataError) => e.code === 'OUT_OF_ORDER' && /task001_a\.sql is pending but older than the applied task002_b/.test(e.message),
      );
      assert.deepEqual(
        (await migrator.status()).problems.map((p) => `${p.code} ${p.version}`),
        ['OUT_OF_ORDER task001'],
      );
      const lenient = createMigrator({ db: join(dir, 'felix.db'), dir: join(dir, 'migrations'), backup: false, allowOutOfOrder: true });
      const report = await lenient.migrate();
      await lenient.close();
      assert.deepEqual(
        report.results.map((r) => r.version),
        ['system001', 'task001'],
      );
    } finally {
      await migrator.close();
    }
  });
});

describe("verify (the seed's last step: check the schema after each step)", () => {
  test('a -- migrate:verify section and a verify() run after up, in its transaction; a failing one rolls the step back', async () => {
    const { migrator, db, dir } = project({
      'task001_tasks.sql':
        '-- migrate:up\nCREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT);\n-- migrate:down\nDROP TABLE tasks;\n-- migrate:verify\nSELECT id, title FROM tasks WHERE 0;\n',
      // Its up forgets the column its verify expects.
      'task002_status.sql':
        '-- migrate:up\nCREATE TABLE task_status (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE task_status;\n-- migrate:verify\nSELECT id, status FROM task_status WHERE 0;\n',
    });
    try {
      migrator.register({
        version: 'task003',
        name: 'metrics',
        up: (ctx) => ctx.exec('CREATE TABLE task_metrics (id INTEGER PRIMARY KEY)'),
        verify: async (ctx) => {
          const columns = await ctx.query<{ name: string }>("SELECT name FROM pragma_table_info('task_metrics')");
          if (!columns.some((c) => c.name === 'id')) throw new Error('task_metrics has no id column');
        },
      });
      const error = (await migrator.migrate().then(
        () => assert.fail('task002 should fail its verify'),
        (e: unknown) => e,
      )) as StrataError;
      assert.equal(error.code, 'MIGRATION_VERIFY_FAILED');
      assert.match(error.message, /task002_status\.sql: its verify failed after up: .*no such column: status/);
      assert.deepEqual(
        ledger(db).map((r) => r.version),
        ['task001'],
      );
      assert.equal((await migrator.status()).migrations.find((m) => m.version === 'task002')!.rolledBack, true);
      writeFiles(join(dir, 'migrations'), {
        'task002_status.sql':
          '-- migrate:up\nCREATE TABLE task_status (id INTEGER PRIMARY KEY, status TEXT);\n-- migrate:down\nDROP TABLE task_status;\n-- migrate:verify\nSELECT id, status FROM task_status WHERE 0;\n',
      });
      assert.deepEqual(
        (await migrator.migrate()).results.map((r) => r.version),
        ['task002', 'task003'],
      );
      assert.deepEqual((await migrator.validate()).verify, []);
      // validate runs every applied step's verify against the database as it is now.
      const conn = new (await import('better-sqlite3')).default(db);
      conn.exec('ALTER TABLE tasks DROP COLUMN title');
      conn.close();
      const report = await migrator.validate();
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.verify.map((v) => v.version),
        ['task001'],
      );
      assert.match(report.verify[0]!.error, /no such column: title/);
    } finally {
      await migrator.close();
    }
  });
});

describe('dependsOn in modules', () => {
  test('is read from a literal; a commented-out one declares nothing; one exported through a variable is refused', async () => {
    const { migrator, dir } = project({
      'aa001_base.sql': 'CREATE TABLE a (x);',
      'bb001_commented.mjs':
        "// export const dependsOn = ['zz999'];\n/* export const dependsOn = ['zz998']; */\nexport async function up(ctx) { await ctx.exec('CREATE TABLE b (x)'); }\n",
    });
    try {
      assert.deepEqual(
        (await migrator.migrate({ to: 'bb001' })).results.map((r) => r.version),
        ['bb001'],
      );
      writeFiles(join(dir, 'migrations'), {
        'cc001_var.mjs': "const deps = ['aa001'];\nexport const dependsOn = deps;\nexport async function up(ctx) { await ctx.exec('CREATE TABLE c (x)'); }\n",
      });
      await assert.rejects(
        migrator.migrate({ to: 'cc001' }),
        (e: StrataError) => e.code === 'MIGRATION_INVALID' && /cc001_var\.mjs exports dependsOn = \[aa001\], but its text reads as \[\]/.test(e.message),
      );
      assert.equal((await migrator.status()).migrations.find((m) => m.version === 'cc001')!.state, 'pending');
    } finally {
      await migrator.close();
    }
  });
});
