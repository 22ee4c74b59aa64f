-- TaskMigration002: task pattern tracking. Patterns are learned from executions of the same
-- type and complexity; each execution records the pattern it matched.
-- migrate:up
CREATE TABLE task_patterns (
  id INTEGER PRIMARY KEY,
  pattern_id TEXT NOT NULL UNIQUE,
  task_type TEXT NOT NULL,
  complexity TEXT NOT NULL CHECK (complexity IN ('simple', 'moderate', 'complex', 'very_complex')),
  keywords_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(keywords_json)),
  typical_duration_seconds REAL,
  success_rate REAL NOT NULL DEFAULT 0.0 CHECK (success_rate BETWEEN 0.0 AND 1.0),
  failure_modes_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(failure_modes_json)),
  optimal_strategies_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(optimal_strategies_json)),
  required_agents_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(required_agents_json)),
  usage_count INTEGER NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (task_type, complexity)
);
-- A plain column (task_patterns.pattern_id), so the down can drop it again.
ALTER TABLE task_executions ADD COLUMN pattern_id TEXT;
CREATE INDEX idx_task_executions_pattern ON task_executions (pattern_id);

-- migrate:down
DROP INDEX idx_task_executions_pattern;
ALTER TABLE task_executions DROP COLUMN pattern_id;
DROP TABLE task_patterns;

-- migrate:verify
SELECT id, pattern_id, task_type, complexity, keywords_json, typical_duration_seconds, success_rate, usage_count FROM task_patterns WHERE 0;
SELECT pattern_id FROM task_executions WHERE 0;
