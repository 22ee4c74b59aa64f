-- WorkflowMigration002: performance metrics and status tracking. The v1 status column only knew
-- finished workflows; progress now lives in run_state (queued -> running -> finished, or
-- cancelled), with a heartbeat so a crashed run can be told from a slow one.
-- migrate:up
ALTER TABLE workflow_history ADD COLUMN processing_time_ms INTEGER CHECK (processing_time_ms IS NULL OR processing_time_ms >= 0);
ALTER TABLE workflow_history ADD COLUMN tokens_used INTEGER NOT NULL DEFAULT 0 CHECK (tokens_used >= 0);
ALTER TABLE workflow_history ADD COLUMN hub_messages INTEGER NOT NULL DEFAULT 0 CHECK (hub_messages >= 0);
ALTER TABLE workflow_history ADD COLUMN temperature REAL;
ALTER TABLE workflow_history ADD COLUMN max_tokens INTEGER;
ALTER TABLE workflow_history ADD COLUMN run_state TEXT NOT NULL DEFAULT 'finished'
  CHECK (run_state IN ('queued', 'running', 'finished', 'cancelled'));
ALTER TABLE workflow_history ADD COLUMN started_at TEXT;
ALTER TABLE workflow_history ADD COLUMN last_heartbeat_at TEXT;
ALTER TABLE workflow_history ADD COLUMN error_message TEXT;
-- Existing rows finished; their processing time is what their timestamps say.
UPDATE workflow_history
SET started_at = created_at,
    processing_time_ms = CASE WHEN completed_at IS NOT NULL
      THEN CAST(round((julianday(completed_at) - julianday(created_at)) * 86400000) AS INTEGER) END;
CREATE INDEX idx_workflow_history_run_state ON workflow_history (run_state, last_heartbeat_at);

-- migrate:down
DROP INDEX idx_workflow_history_run_state;
ALTER TABLE workflow_history DROP COLUMN error_message;
ALTER TABLE workflow_history DROP COLUMN last_heartbeat_at;
ALTER TABLE workflow_history DROP COLUMN started_at;
ALTER TABLE workflow_history DROP COLUMN run_state;
ALTER TABLE workflow_history DROP COLUMN max_tokens;
ALTER TABLE workflow_history DROP COLUMN temperature;
ALTER TABLE workflow_history DROP COLUMN hub_messages;
ALTER TABLE workflow_history DROP COLUMN tokens_used;
ALTER TABLE workflow_history DROP COLUMN processing_time_ms;

-- migrate:verify
SELECT processing_time_ms, tokens_used, hub_messages, temperature, max_tokens, run_state, started_at, last_heartbeat_at, error_message FROM workflow_history WHERE 0;
