-- AgentPerformanceMigration001 (seed: create_agent_performance.py): per-agent metrics of each
-- workflow, and a per-workflow summary view that compares the agents' time with the workflow's
-- own processing_time_ms. That column comes from workflow002, hence the dependency: rolling
-- workflow002 back must drop the view first (SQLite will not drop a column a view reads).
-- strata:depends-on workflow002
-- migrate:up
CREATE TABLE agent_performance (
  id INTEGER PRIMARY KEY,
  workflow_id INTEGER NOT NULL REFERENCES workflow_history (id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL,
  agent_type TEXT NOT NULL CHECK (agent_type IN ('research', 'analysis', 'synthesis', 'critic', 'system', 'custom')),
  spawn_time REAL NOT NULL,
  confidence REAL CHECK (confidence IS NULL OR confidence BETWEEN 0.0 AND 1.0),
  tokens_used INTEGER NOT NULL DEFAULT 0 CHECK (tokens_used >= 0),
  processing_time_ms INTEGER CHECK (processing_time_ms IS NULL OR processing_time_ms >= 0),
  messages_sent INTEGER NOT NULL DEFAULT 0,
  success INTEGER CHECK (success IS NULL OR success IN (0, 1)),
  phase TEXT CHECK (phase IS NULL OR phase IN ('exploration', 'analysis', 'synthesis')),
  recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (workflow_id, agent_id)
);
CREATE INDEX idx_agent_performance_type ON agent_performance (agent_type, confidence);

CREATE VIEW workflow_agent_summary AS
SELECT w.id AS workflow_id,
       w.workflow_id AS workflow_key,
       count(a.id) AS agents,
       avg(a.confidence) AS avg_confidence,
       sum(a.tokens_used) AS agent_tokens,
       sum(a.processing_time_ms) AS agent_time_ms,
       w.processing_time_ms AS workflow_time_ms
FROM workflow_history AS w
LEFT JOIN agent_performance AS a ON a.workflow_id = w.id
GROUP BY w.id;

-- migrate:down
DROP VIEW workflow_agent_summary;
DROP TABLE agent_performance;

-- migrate:verify
SELECT id, workflow_id, agent_id, agent_type, spawn_time, confidence, tokens_used, processing_time_ms, messages_sent, success, phase, recorded_at FROM agent_performance WHERE 0;
SELECT workflow_id, workflow_key, agents, avg_confidence, agent_tokens, agent_time_ms, workflow_time_ms FROM workflow_agent_summary WHERE 0;
