/**
 * The linter on migrate, as it loads and remembers: the rule catalog createMigrator checks
 * `lint.rules` against is exactly the registered rules, and a process that lints the same run
 * again (a fresh database migrated from one folder) gets the same findings, while an edited file
 * (another checksum) or other severities are linted afresh.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createMigrator, type InspectedStep, type PlanFinding } from '../src/index.js';
import { lintPlugin } from '../src/lint/lint-plugin.js';
import { ruleSeverities } from '../src/lint/rule-severities.js';
import { RULE_CATALOG } from '../src/lint/rules/catalog.js';
import { LINT_RULES } from '../src/lint/rules/index.js';
import { exec, query, rejectsWith, tempDir, userTables, writeFiles } from './helpers.js';

describe('the rule catalog', () => {
  it('lists every registered rule with its default severity, in order', () => {
    assert.deepEqual(
      RULE_CATALOG.map((rule) => [rule.id, rule.defaultSeverity]),
      LINT_RULES.map((rule) => [rule.id, rule.defaultSeverity]),
    );
  });

  it('still refuses a misspelt rule when the migrator is made', () => {
    assert.throws(
      () => createMigrator({ db: ':memory:', lint: { rules: { 'sqlite/drop-tabel': 'warn' } } }),
      (error: Error & { code?: string }) => error.code === 'CONFIG_INVALID' && /did you mean 'sqlite\/drop-table'/.test(error.message),
    );
  });
});

describe('lint findings remembered per run', () => {
  const FIRST = 'CREATE TABLE t (id INTEGER PRIMARY KEY);\n';
  // The same size: an edit that a cache keyed by size (or a coarse modification time) would miss.
  const CLEAN = 'UPDATE t SET id = id WHERE 0;\n';
  const DELETES = 'DELETE FROM t;               \n';

  async function migrateFresh(dir: string, name: string, lint?: { rules: Record<string, 'error' | 'warn' | 'off'> }) {
    const migrator = createMigrator({ db: join(dir, `${name}.db`), dir: join(dir, 'migrations'), backup: false, ...(lint ? { lint } : {}) });
    const warnings: PlanFinding[] = [];
    migrator.on('plan:warnings', (e) => warnings.push(...e.warnings));
    try {
      const report = await migrator.migrate();
      return { applied: report.results.length, warnings };
    } finally {
      await migrator.close();
    }
  }

  it('an edited file is linted again: the same path and size with other text is refused', async () => {
    const dir = tempDir();
    assert.equal(CLEAN.length, DELETES.length);
    writeFiles(dir, { 'migrations/0001_t.sql': FIRST, 'migrations/0002_u.sql': CLEAN });
    assert.equal((await migrateFresh(dir, 'a')).applied, 2);
    writeFiles(dir, { 'migrations/0002_u.sql': DELETES });
    for (const name of ['b', 'c']) {
      const migrator = createMigrator({ db: join(dir, `${name}.db`), dir: join(dir, 'migrations'), backup: false });
      await rejectsWith(migrator.migrate(), 'PLAN_REJECTED', /delete-or-update-without-where/);
      await migrator.close();
      assert.equal(existsSync(join(dir, `${name}.db`)), false, 'refused before the database was created');
    }
    writeFiles(dir, { 'migrations/0002_u.sql': CLEAN });
    assert.equal((await migrateFresh(dir, 'd')).applied, 2);
  });

  it('the same run gives the same warnings every time, and other severities give theirs', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'migrations/0001_t.sql': FIRST, 'migrations/0002_drop.sql': 'DROP TABLE t;\n' });
    const first = await migrateFresh(dir, 'a', { rules: { 'sqlite/drop-table': 'warn' } });
    const again = await migrateFresh(dir, 'b', { rules: { 'sqlite/drop-table': 'warn' } });
    assert.equal(first.applied, 2);
    assert.ok(first.warnings.some((w) => w.rule === 'sqlite/drop-table'));
    assert.deepEqual(again.warnings, first.warnings);
    const silenced = await migrateFresh(dir, 'c', { rules: { 'sqlite/drop-table': 'off' } });
    assert.ok(!silenced.warnings.some((w) => w.rule === 'sqlite/drop-table'));
    const refused = createMigrator({ db: join(dir, 'd.db'), dir: join(dir, 'migrations'), backup: false });
    await rejectsWith(refused.migrate(), 'PLAN_REJECTED', /drop-table/);
    await refused.close();
  });
});

describe('lint findings remembered by schema stamp (SQLite)', () => {
  it('each database is linted against its own schema: the same pending file passes where the table is absent and is refused where it exists, in either order', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'migrations/0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY);\n', 'migrations/0002_drop.sql': 'DROP TABLE IF EXISTS legacy;\n' });
    const withLegacy = (name: string) => exec(join(dir, `${name}.db`), 'CREATE TABLE legacy (id INTEGER PRIMARY KEY);');
    const migrate = async (name: string) => {
      const migrator = createMigrator({ db: join(dir, `${name}.db`), dir: join(dir, 'migrations'), backup: false });
      try {
        return (await migrator.migrate()).results.length;
      } finally {
        await migrator.close();
      }
    };
    // Databases that exist before the run (a fleet's tenants): their stamp names their schema.
    for (const name of ['plain1', 'plain2', 'plain3']) exec(join(dir, `${name}.db`), 'PRAGMA user_version = 0;');
    for (const name of ['legacy1', 'legacy2']) withLegacy(name);
    assert.equal(await migrate('plain1'), 2);
    await rejectsWith(migrate('legacy1'), 'PLAN_REJECTED', /drop-table/);
    assert.equal(await migrate('plain2'), 2);
    await rejectsWith(migrate('legacy2'), 'PLAN_REJECTED', /drop-table/);
    assert.deepEqual(userTables(join(dir, 'legacy2.db')), ['legacy'], 'refused before anything was applied');
    assert.equal(await migrate('plain3'), 2);
  });
});

describe('schema fingerprints remembered by content stamp (SQLite)', () => {
  it('a fresh database left with the same schema records the same fingerprint; another schema records its own, as a catalog read finds it', async () => {
    const dir = tempDir();
    writeFiles(dir, {
      'one/0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY);\n',
      'two/0001_t.sql': 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n',
    });
    const run = async (folder: string, name: string) => {
      const migrator = createMigrator({ db: join(dir, `${name}.db`), dir: join(dir, folder), backup: false });
      try {
        await migrator.migrate();
        // --replay: the live schema read from the catalog and compared, not trusted by its stamp.
        const report = await migrator.drift({ replay: true });
        assert.equal(report.drift, false);
        return query<{ schema_fingerprint: string | null }>(
          join(dir, `${name}.db`),
          'SELECT schema_fingerprint FROM strata_migrations ORDER BY version DESC LIMIT 1',
        )[0]!.schema_fingerprint;
      } finally {
        await migrator.close();
      }
    };
    const [a, b, c] = [await run('one', 'a'), await run('one', 'b'), await run('two', 'c')];
    assert.ok(a?.startsWith('v1:'));
    assert.equal(b, a);
    assert.notEqual(c, a);
  });
});

describe('the text linted on migrate', () => {
  const severities = ruleSeverities(undefined, 'the test');
  const step = (version: string, origin: string): InspectedStep => ({
    version,
    name: origin,
    origin,
    file: origin,
    body: { kind: 'sql', statements: [], transaction: true, foreignKeys: true },
  });
  const inspect = async (readText: ((path: string) => string | undefined) | undefined, cwd: string) =>
    (await lintPlugin({ family: 'sqlite', severities, schemaStart: async () => ({ kind: 'empty' }), cwd, ...(readText ? { readText } : {}) }).inspect!({
      direction: 'up',
      dryRun: false,
      target: 'sqlite:test.db',
      steps: [step('1', 'migrations/0001_t.sql'), step('2', 'migrations/0002_u.sql')],
    })) ?? [];

  it('is the source read when the source gives it, else the file on disk', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'migrations/0001_t.sql': 'CREATE TABLE t (id INTEGER);\n', 'migrations/0002_u.sql': 'SELECT 1;\n' });
    const second = join(dir, 'migrations', '0002_u.sql');
    // What the source read (and checksummed): not what the disk holds now.
    const asRead = (asked: string) => (asked === second ? 'DELETE FROM t;\n' : undefined);
    assert.deepEqual(
      (await inspect(asRead, dir)).map((finding) => [finding.version, finding.rule]),
      [['2', 'sqlite/delete-or-update-without-where']],
    );
    for (const readText of [undefined, () => undefined]) assert.deepEqual(await inspect(readText, dir), [], 'the files on disk delete nothing');
  });
});
