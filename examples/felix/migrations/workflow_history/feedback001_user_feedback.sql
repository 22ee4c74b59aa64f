-- FeedbackSystemMigration001 (seed: create_feedback_system.py): what users say about workflow
-- results, and the patterns the feedback manager learns from it. In felix_workflow_history.db
-- because a rating is about a workflow: user_feedback.workflow_id references workflow_history.
-- strata:depends-on workflow001
-- migrate:up
CREATE TABLE user_feedback (
  id INTEGER PRIMARY KEY,
  workflow_id INTEGER NOT NULL REFERENCES workflow_history (id) ON DELETE CASCADE,
  feedback_type TEXT NOT NULL CHECK (feedback_type IN ('rating', 'correction', 'preference', 'knowledge_flag')),
  rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
  accurate INTEGER CHECK (accurate IS NULL OR accurate IN (0, 1)),
  comment TEXT,
  knowledge_ids_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(knowledge_ids_json)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CHECK (feedback_type <> 'rating' OR rating IS NOT NULL)
);
CREATE INDEX idx_user_feedback_workflow ON user_feedback (workflow_id);
CREATE INDEX idx_user_feedback_type ON user_feedback (feedback_type, created_at);

CREATE TABLE feedback_patterns (
  id INTEGER PRIMARY KEY,
  pattern_type TEXT NOT NULL CHECK (pattern_type IN ('task_type', 'agent_combination', 'knowledge_domain', 'strategy')),
  pattern_key TEXT NOT NULL,
  occurrences INTEGER NOT NULL DEFAULT 0 CHECK (occurrences >= 0),
  avg_rating REAL CHECK (avg_rating IS NULL OR avg_rating BETWEEN 1.0 AND 5.0),
  positive_count INTEGER NOT NULL DEFAULT 0,
  negative_count INTEGER NOT NULL DEFAULT 0,
  last_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (pattern_type, pattern_key)
);

-- migrate:down
DROP TABLE feedback_patterns;
DROP TABLE user_feedback;

-- migrate:verify
SELECT id, workflow_id, feedback_type, rating, accurate, comment, knowledge_ids_json, created_at FROM user_feedback WHERE 0;
SELECT id, pattern_type, pattern_key, occurrences, avg_rating, positive_count, negative_count, last_seen_at FROM feedback_patterns WHERE 0;
