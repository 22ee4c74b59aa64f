-- WorkflowMigration001: the workflow history (felix_workflow_history.db): one row per workflow
-- the agents ran, its input, its synthesis and how confident the synthesis was.
-- migrate:up
CREATE TABLE workflow_history (
  id INTEGER PRIMARY KEY,
  workflow_id TEXT NOT NULL UNIQUE,
  task_input TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('completed', 'failed')),
  final_synthesis TEXT,
  confidence REAL CHECK (confidence IS NULL OR confidence BETWEEN 0.0 AND 1.0),
  agents_count INTEGER NOT NULL DEFAULT 0 CHECK (agents_count >= 0),
  conversation_id TEXT,
  parent_workflow_id INTEGER REFERENCES workflow_history (id) ON DELETE SET NULL,
  metadata_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata_json)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  completed_at TEXT
);
CREATE INDEX idx_workflow_history_created ON workflow_history (created_at DESC);
CREATE INDEX idx_workflow_history_conversation ON workflow_history (conversation_id);

-- migrate:down
DROP TABLE workflow_history;

-- migrate:verify
SELECT id, workflow_id, task_input, status, final_synthesis, confidence, agents_count, conversation_id, parent_workflow_id, metadata_json, created_at, completed_at FROM workflow_history WHERE 0;
