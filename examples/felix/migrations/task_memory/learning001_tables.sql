-- The learning system's tables (seed: add_learning_tables.py), as they first shipped, in
-- felix_task_memory.db. Several columns are looser than they should be (numbers stored as
-- text, flags as 'true'/'false', no range checks, duplicate pattern hashes allowed):
-- learning002 (fix_learning_schema_v2.py) corrects them.
-- migrate:up
CREATE TABLE workflow_patterns (
  id INTEGER PRIMARY KEY,
  pattern_hash TEXT NOT NULL,
  task_type TEXT NOT NULL,
  complexity TEXT,
  agent_combination_json TEXT NOT NULL DEFAULT '[]',
  success_rate TEXT,
  avg_duration TEXT,
  sample_count INTEGER DEFAULT 0,
  last_seen TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_workflow_patterns_task_type ON workflow_patterns (task_type);

CREATE TABLE threshold_records (
  id INTEGER PRIMARY KEY,
  threshold_name TEXT NOT NULL,
  task_type TEXT,
  threshold_value TEXT NOT NULL,
  previous_value TEXT,
  outcome TEXT,
  recorded_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_threshold_records_name ON threshold_records (threshold_name, recorded_at);

CREATE TABLE calibration_data (
  id INTEGER PRIMARY KEY,
  agent_type TEXT NOT NULL,
  task_type TEXT,
  predicted_confidence REAL,
  actual_success INTEGER,
  calibration_error REAL,
  recorded_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_calibration_data_agent ON calibration_data (agent_type, task_type);

CREATE TABLE recommendations (
  id INTEGER PRIMARY KEY,
  pattern_id INTEGER REFERENCES workflow_patterns (id),
  recommendation_type TEXT NOT NULL,
  recommendation_json TEXT NOT NULL,
  confidence REAL,
  applied TEXT DEFAULT 'false',
  outcome TEXT,
  created_at TEXT DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_recommendations_pattern ON recommendations (pattern_id);

-- migrate:down
DROP TABLE recommendations;
DROP TABLE calibration_data;
DROP TABLE threshold_records;
DROP TABLE workflow_patterns;

-- migrate:verify
-- Only what learning002 keeps: `strata validate` runs this again on the v2 tables.
SELECT id, pattern_hash, task_type, complexity, agent_combination_json, success_rate, sample_count, last_seen FROM workflow_patterns WHERE 0;
SELECT id, threshold_name, task_type, threshold_value, previous_value, outcome, recorded_at FROM threshold_records WHERE 0;
SELECT id, agent_type, task_type, predicted_confidence, actual_success, calibration_error, recorded_at FROM calibration_data WHERE 0;
SELECT id, pattern_id, recommendation_type, recommendation_json, confidence, applied, outcome, created_at FROM recommendations WHERE 0;
