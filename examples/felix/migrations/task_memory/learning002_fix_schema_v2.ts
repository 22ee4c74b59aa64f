/**
 * Learning schema v2 (seed: fix_learning_schema_v2.py): column types and constraints of the
 * four learning tables corrected. SQLite cannot change a column's type or add a CHECK in place,
 * so each table is rebuilt (SQLite's 12-step ALTER TABLE procedure): create the new shape,
 * copy the rows converting them, drop the old table, rename, recreate the indexes.
 *
 * - workflow_patterns: success_rate '85%' / '0.85' text -> REAL in [0, 1]; avg_duration -> REAL
 *   seconds; one row per pattern_hash (UNIQUE; the newest duplicate is kept and the
 *   recommendations that pointed at the others are moved to it).
 * - threshold_records: values -> REAL in [0, 1]; outcome limited to success/failure/neutral.
 * - calibration_data: confidence in [0, 1], actual_success 0/1, calibration_error recomputed.
 * - recommendations: applied 'true'/'false' -> 0/1; confidence in [0, 1]; pattern_id ON DELETE SET NULL.
 *
 * `foreignKeys = false`: recommendations.pattern_id points at workflow_patterns, and dropping a
 * parent table with enforcement on would null or delete those rows. Strata turns enforcement off
 * around this step's transaction and runs PRAGMA foreign_key_check before it commits.
 * The down rebuilds the v1 shapes (the merged duplicate patterns do not come back).
 *
 * Depends on learning001, implicitly: both are in the `learning` category, which runs in order.
 */
import type { SqlContext } from 'strata-migrate';

export const foreignKeys = false;

interface Shape {
  /** CREATE TABLE body (between the parentheses). */
  columns: string;
  /** Column list and the SELECT expressions that fill it from the old table. */
  copy: Record<string, string>;
  /** A WHERE clause on the old table (rows to keep). */
  where?: string;
  indexes: string[];
}

async function rebuild(ctx: SqlContext, table: string, shape: Shape): Promise<void> {
  const fresh = `${table}_v2_rebuild`;
  const names = Object.keys(shape.copy);
  await ctx.exec(`CREATE TABLE ${fresh} (${shape.columns})`);
  await ctx.exec(
    `INSERT INTO ${fresh} (${names.join(', ')}) SELECT ${Object.values(shape.copy).join(', ')} FROM ${table}${shape.where ? ` WHERE ${shape.where}` : ''}`,
  );
  await ctx.exec(`DROP TABLE ${table}`);
  await ctx.exec(`ALTER TABLE ${fresh} RENAME TO ${table}`);
  for (const index of shape.indexes) await ctx.exec(index);
}

/** '85%' -> 0.85, '0.85' -> 0.85, clamped to [0, 1]; NULL -> fallback. */
const fraction = (column: string, fallback = 'NULL') =>
  `CASE WHEN ${column} IS NULL OR trim(${column}) = '' THEN ${fallback}
        WHEN trim(${column}) LIKE '%\\%' ESCAPE '\\' THEN max(0.0, min(1.0, CAST(rtrim(trim(${column}), '%') AS REAL) / 100.0))
        ELSE max(0.0, min(1.0, CAST(${column} AS REAL))) END`;
const flag = (column: string) => `CASE WHEN lower(trim(CAST(${column} AS TEXT))) IN ('1', 'true', 'yes', 'y', 't') THEN 1 ELSE 0 END`;
const now = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

export async function up(ctx: SqlContext): Promise<void> {
  // Duplicate pattern hashes: keep the newest row, move recommendations onto it.
  await ctx.exec(`
    UPDATE recommendations
    SET pattern_id = (
      SELECT max(keep.id) FROM workflow_patterns AS keep
      WHERE keep.pattern_hash = (SELECT p.pattern_hash FROM workflow_patterns AS p WHERE p.id = recommendations.pattern_id)
    )
    WHERE pattern_id IN (SELECT id FROM workflow_patterns)
  `);
  await rebuild(ctx, 'workflow_patterns', {
    columns: `
      id INTEGER PRIMARY KEY,
      pattern_hash TEXT NOT NULL UNIQUE,
      task_type TEXT NOT NULL,
      complexity TEXT CHECK (complexity IS NULL OR complexity IN ('simple', 'moderate', 'complex', 'very_complex')),
      agent_combination_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(agent_combination_json)),
      success_rate REAL NOT NULL DEFAULT 0.0 CHECK (success_rate BETWEEN 0.0 AND 1.0),
      avg_duration_seconds REAL CHECK (avg_duration_seconds IS NULL OR avg_duration_seconds >= 0),
      sample_count INTEGER NOT NULL DEFAULT 0 CHECK (sample_count >= 0),
      last_seen TEXT NOT NULL DEFAULT (${now})`,
    copy: {
      id: 'id',
      pattern_hash: 'pattern_hash',
      task_type: 'task_type',
      complexity: `CASE WHEN lower(complexity) IN ('simple', 'moderate', 'complex', 'very_complex') THEN lower(complexity) END`,
      agent_combination_json: `CASE WHEN json_valid(agent_combination_json) THEN agent_combination_json ELSE '[]' END`,
      success_rate: fraction('success_rate', '0.0'),
      avg_duration_seconds: `CASE WHEN CAST(avg_duration AS REAL) >= 0 AND trim(avg_duration) <> '' THEN CAST(avg_duration AS REAL) END`,
      sample_count: 'max(0, coalesce(sample_count, 0))',
      last_seen: `coalesce(last_seen, ${now})`,
    },
    where: 'id IN (SELECT max(id) FROM workflow_patterns GROUP BY pattern_hash)',
    indexes: ['CREATE INDEX idx_workflow_patterns_task_type ON workflow_patterns (task_type, complexity)'],
  });
  await rebuild(ctx, 'threshold_records', {
    columns: `
      id INTEGER PRIMARY KEY,
      threshold_name TEXT NOT NULL,
      task_type TEXT,
      threshold_value REAL NOT NULL CHECK (threshold_value BETWEEN 0.0 AND 1.0),
      previous_value REAL CHECK (previous_value IS NULL OR previous_value BETWEEN 0.0 AND 1.0),
      outcome TEXT CHECK (outcome IS NULL OR outcome IN ('success', 'failure', 'neutral')),
      recorded_at TEXT NOT NULL DEFAULT (${now})`,
    copy: {
      id: 'id',
      threshold_name: 'threshold_name',
      task_type: 'task_type',
      threshold_value: fraction('threshold_value', '0.0'),
      previous_value: fraction('previous_value'),
      outcome: `CASE WHEN lower(outcome) IN ('success', 'failure', 'neutral') THEN lower(outcome) END`,
      recorded_at: `coalesce(recorded_at, ${now})`,
    },
    indexes: ['CREATE INDEX idx_threshold_records_name ON threshold_records (threshold_name, recorded_at)'],
  });
  await rebuild(ctx, 'calibration_data', {
    columns: `
      id INTEGER PRIMARY KEY,
      agent_type TEXT NOT NULL,
      task_type TEXT,
      predicted_confidence REAL NOT NULL CHECK (predicted_confidence BETWEEN 0.0 AND 1.0),
      actual_success INTEGER NOT NULL CHECK (actual_success IN (0, 1)),
      calibration_error REAL NOT NULL CHECK (calibration_error BETWEEN 0.0 AND 1.0),
      recorded_at TEXT NOT NULL DEFAULT (${now})`,
    copy: {
      id: 'id',
      agent_type: 'agent_type',
      task_type: 'task_type',
      predicted_confidence: 'max(0.0, min(1.0, predicted_confidence))',
      actual_success: flag('actual_success'),
      calibration_error: `abs(max(0.0, min(1.0, predicted_confidence)) - ${flag('actual_success')})`,
      recorded_at: `coalesce(recorded_at, ${now})`,
    },
    // A calibration sample without a prediction says nothing.
    where: 'predicted_confidence IS NOT NULL',
    indexes: ['CREATE INDEX idx_calibration_data_agent ON calibration_data (agent_type, task_type)'],
  });
  await rebuild(ctx, 'recommendations', {
    columns: `
      id INTEGER PRIMARY KEY,
      pattern_id INTEGER REFERENCES workflow_patterns (id) ON DELETE SET NULL,
      recommendation_type TEXT NOT NULL,
      recommendation_json TEXT NOT NULL CHECK (json_valid(recommendation_json)),
      confidence REAL CHECK (confidence IS NULL OR confidence BETWEEN 0.0 AND 1.0),
      applied INTEGER NOT NULL DEFAULT 0 CHECK (applied IN (0, 1)),
      outcome TEXT,
      created_at TEXT NOT NULL DEFAULT (${now})`,
    copy: {
      id: 'id',
      pattern_id: 'pattern_id',
      recommendation_type: 'recommendation_type',
      recommendation_json: `CASE WHEN json_valid(recommendation_json) THEN recommendation_json ELSE json_object('text', recommendation_json) END`,
      confidence: 'max(0.0, min(1.0, confidence))',
      applied: flag('applied'),
      outcome: 'outcome',
      created_at: `coalesce(created_at, ${now})`,
    },
    indexes: [
      'CREATE INDEX idx_recommendations_pattern ON recommendations (pattern_id)',
      'CREATE INDEX idx_recommendations_pending ON recommendations (created_at) WHERE applied = 0',
    ],
  });
}

/** Run after up (in its transaction) and again by `strata validate`: the v2 shapes hold. */
export async function verify(ctx: SqlContext): Promise<void> {
  await ctx.query('SELECT id, pattern_hash, success_rate, avg_duration_seconds, sample_count FROM workflow_patterns WHERE 0');
  await ctx.query('SELECT id, threshold_value, previous_value, outcome FROM threshold_records WHERE 0');
  await ctx.query('SELECT id, predicted_confidence, actual_success, calibration_error FROM calibration_data WHERE 0');
  await ctx.query('SELECT id, pattern_id, applied, confidence FROM recommendations WHERE 0');
  const loose = await ctx.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM workflow_patterns WHERE typeof(success_rate) <> 'real')
          + (SELECT count(*) FROM threshold_records WHERE typeof(threshold_value) <> 'real')
          + (SELECT count(*) FROM recommendations WHERE applied NOT IN (0, 1)) AS n`,
  );
  if (loose[0]!.n !== 0) throw new Error(`${loose[0]!.n} learning row(s) still hold v1 values`);
  const duplicates = await ctx.query('SELECT pattern_hash FROM workflow_patterns GROUP BY pattern_hash HAVING count(*) > 1');
  if (duplicates.length) throw new Error(`duplicate pattern hashes: ${duplicates.length}`);
}

export async function down(ctx: SqlContext): Promise<void> {
  await rebuild(ctx, 'workflow_patterns', {
    columns: `
      id INTEGER PRIMARY KEY,
      pattern_hash TEXT NOT NULL,
      task_type TEXT NOT NULL,
      complexity TEXT,
      agent_combination_json TEXT NOT NULL DEFAULT '[]',
      success_rate TEXT,
      avg_duration TEXT,
      sample_count INTEGER DEFAULT 0,
      last_seen TEXT DEFAULT CURRENT_TIMESTAMP`,
    copy: {
      id: 'id',
      pattern_hash: 'pattern_hash',
      task_type: 'task_type',
      complexity: 'complexity',
      agent_combination_json: 'agent_combination_json',
      success_rate: 'CAST(success_rate AS TEXT)',
      avg_duration: 'CAST(avg_duration_seconds AS TEXT)',
      sample_count: 'sample_count',
      last_seen: 'last_seen',
    },
    indexes: ['CREATE INDEX idx_workflow_patterns_task_type ON workflow_patterns (task_type)'],
  });
  await rebuild(ctx, 'threshold_records', {
    columns: `
      id INTEGER PRIMARY KEY,
      threshold_name TEXT NOT NULL,
      task_type TEXT,
      threshold_value TEXT NOT NULL,
      previous_value TEXT,
      outcome TEXT,
      recorded_at TEXT DEFAULT CURRENT_TIMESTAMP`,
    copy: {
      id: 'id',
      threshold_name: 'threshold_name',
      task_type: 'task_type',
      threshold_value: 'CAST(threshold_value AS TEXT)',
      previous_value: 'CAST(previous_value AS TEXT)',
      outcome: 'outcome',
      recorded_at: 'recorded_at',
    },
    indexes: ['CREATE INDEX idx_threshold_records_name ON threshold_records (threshold_name, recorded_at)'],
  });
  await rebuild(ctx, 'calibration_data', {
    columns: `
      id INTEGER PRIMARY KEY,
      agent_type TEXT NOT NULL,
      task_type TEXT,
      predicted_confidence REAL,
      actual_success INTEGER,
      calibration_error REAL,
      recorded_at TEXT DEFAULT CURRENT_TIMESTAMP`,
    copy: {
      id: 'id',
      agent_type: 'agent_type',
      task_type: 'task_type',
      predicted_confidence: 'predicted_confidence',
      actual_success: 'actual_success',
      calibration_error: 'calibration_error',
      recorded_at: 'recorded_at',
    },
    indexes: ['CREATE INDEX idx_calibration_data_agent ON calibration_data (agent_type, task_type)'],
  });
  await rebuild(ctx, 'recommendations', {
    columns: `
      id INTEGER PRIMARY KEY,
      pattern_id INTEGER REFERENCES workflow_patterns (id),
      recommendation_type TEXT NOT NULL,
      recommendation_json TEXT NOT NULL,
      confidence REAL,
      applied TEXT DEFAULT 'false',
      outcome TEXT,
      created_at TEXT DEFAULT CURRENT_TIMESTAMP`,
    copy: {
      id: 'id',
      pattern_id: 'pattern_id',
      recommendation_type: 'recommendation_type',
      recommendation_json: 'recommendation_json',
      confidence: 'confidence',
      applied: `CASE applied WHEN 1 THEN 'true' ELSE 'false' END`,
      outcome: 'outcome',
      created_at: 'created_at',
    },
    indexes: ['CREATE INDEX idx_recommendations_pattern ON recommendations (pattern_id)'],
  });
}
