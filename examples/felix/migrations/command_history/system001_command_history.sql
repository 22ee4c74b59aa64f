-- SystemActionsMigration001 (seed: create_system_actions.py): every system command an agent ran
-- (felix_command_history.db), with what it printed and how it ended.
-- migrate:up
CREATE TABLE command_history (
  id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  command_hash TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  agent_type TEXT,
  workflow_id TEXT,
  cwd TEXT,
  context TEXT,
  exit_code INTEGER,
  success INTEGER CHECK (success IS NULL OR success IN (0, 1)),
  stdout TEXT,
  stderr TEXT,
  duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
  executed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_command_history_hash ON command_history (command_hash);
CREATE INDEX idx_command_history_agent ON command_history (agent_id, executed_at);
CREATE INDEX idx_command_history_workflow ON command_history (workflow_id);

-- migrate:down
DROP TABLE command_history;

-- migrate:verify
SELECT id, command, command_hash, agent_id, agent_type, workflow_id, cwd, context, exit_code, success, stdout, stderr, duration_ms, executed_at FROM command_history WHERE 0;
