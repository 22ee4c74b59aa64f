-- SystemActionsMigration002: trust management. Each command carries the trust level it was
-- classified at and what happened to its approval. Commands already recorded ran without an
-- approval step: they are recorded as 'auto_approved' by 'legacy' at the time they ran.
-- migrate:up
ALTER TABLE command_history ADD COLUMN trust_level TEXT NOT NULL DEFAULT 'review'
  CHECK (trust_level IN ('safe', 'review', 'blocked'));
ALTER TABLE command_history ADD COLUMN approval_status TEXT NOT NULL DEFAULT 'pending'
  CHECK (approval_status IN ('pending', 'approved', 'denied', 'auto_approved', 'auto_denied'));
ALTER TABLE command_history ADD COLUMN approved_by TEXT;
ALTER TABLE command_history ADD COLUMN approved_at TEXT;
ALTER TABLE command_history ADD COLUMN risk_score REAL CHECK (risk_score IS NULL OR risk_score BETWEEN 0.0 AND 1.0);
UPDATE command_history SET approval_status = 'auto_approved', approved_by = 'legacy', approved_at = executed_at;
CREATE INDEX idx_command_history_approval ON command_history (approval_status, trust_level);

-- migrate:down
DROP INDEX idx_command_history_approval;
ALTER TABLE command_history DROP COLUMN risk_score;
ALTER TABLE command_history DROP COLUMN approved_at;
ALTER TABLE command_history DROP COLUMN approved_by;
ALTER TABLE command_history DROP COLUMN approval_status;
ALTER TABLE command_history DROP COLUMN trust_level;

-- migrate:verify
SELECT trust_level, approval_status, approved_by, approved_at, risk_score FROM command_history WHERE 0;
