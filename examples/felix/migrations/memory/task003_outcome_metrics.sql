-- TaskMigration003: outcome metrics on each execution, and their running aggregates per pattern.
-- migrate:up
ALTER TABLE task_executions ADD COLUMN quality_score REAL CHECK (quality_score IS NULL OR quality_score BETWEEN 0.0 AND 1.0);
ALTER TABLE task_executions ADD COLUMN tokens_used INTEGER NOT NULL DEFAULT 0 CHECK (tokens_used >= 0);
ALTER TABLE task_executions ADD COLUMN retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0);
ALTER TABLE task_executions ADD COLUMN cost_usd REAL CHECK (cost_usd IS NULL OR cost_usd >= 0);
ALTER TABLE task_patterns ADD COLUMN success_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_patterns ADD COLUMN failure_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE task_patterns ADD COLUMN avg_quality REAL;
-- Existing patterns get their counts from the executions already recorded.
UPDATE task_patterns SET
  success_count = (SELECT count(*) FROM task_executions AS e WHERE e.pattern_id = task_patterns.pattern_id AND e.outcome IN ('success', 'partial_success')),
  failure_count = (SELECT count(*) FROM task_executions AS e WHERE e.pattern_id = task_patterns.pattern_id AND e.outcome NOT IN ('success', 'partial_success'));
CREATE INDEX idx_task_executions_outcome ON task_executions (outcome, quality_score);

-- migrate:down
DROP INDEX idx_task_executions_outcome;
ALTER TABLE task_patterns DROP COLUMN avg_quality;
ALTER TABLE task_patterns DROP COLUMN failure_count;
ALTER TABLE task_patterns DROP COLUMN success_count;
ALTER TABLE task_executions DROP COLUMN cost_usd;
ALTER TABLE task_executions DROP COLUMN retry_count;
ALTER TABLE task_executions DROP COLUMN tokens_used;
ALTER TABLE task_executions DROP COLUMN quality_score;

-- migrate:verify
SELECT quality_score, tokens_used, retry_count, cost_usd FROM task_executions WHERE 0;
SELECT success_count, failure_count, avg_quality FROM task_patterns WHERE 0;
