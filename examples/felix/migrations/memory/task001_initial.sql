-- TaskMigration001: the initial task memory schema (felix_memory.db): one row per task a
-- workflow ran, with what it needed and how it ended.
-- migrate:up
CREATE TABLE task_executions (
  id INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL UNIQUE,
  task_description TEXT NOT NULL,
  task_type TEXT NOT NULL,
  complexity TEXT NOT NULL DEFAULT 'moderate' CHECK (complexity IN ('simple', 'moderate', 'complex', 'very_complex')),
  agents_used_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(agents_used_json)),
  strategies_used_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(strategies_used_json)),
  context_size INTEGER NOT NULL DEFAULT 0 CHECK (context_size >= 0),
  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'partial_success', 'failure', 'timeout', 'error')),
  duration_seconds REAL NOT NULL DEFAULT 0 CHECK (duration_seconds >= 0),
  error_messages_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(error_messages_json)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_task_executions_type ON task_executions (task_type, complexity);
CREATE INDEX idx_task_executions_created ON task_executions (created_at);

-- migrate:down
DROP TABLE task_executions;

-- migrate:verify
SELECT id, execution_id, task_description, task_type, complexity, agents_used_json, strategies_used_json, context_size, outcome, duration_seconds, error_messages_json, created_at FROM task_executions WHERE 0;
