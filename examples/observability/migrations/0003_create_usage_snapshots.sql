-- Historical usage data, correlated with events by session_id, exactly as the design document
-- gives it. Deleting a session's events row deletes its snapshots (ON DELETE CASCADE; the
-- application opens its connection with PRAGMA foreign_keys = ON).

-- migrate:up
CREATE TABLE usage_snapshots (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  snapshot_data TEXT NOT NULL,
  snapshot_type TEXT NOT NULL DEFAULT 'stats' CHECK (snapshot_type IN ('stats', 'config', 'session')),
  timestamp INTEGER NOT NULL DEFAULT (unixepoch()),
  FOREIGN KEY (session_id) REFERENCES events (session_id) ON DELETE CASCADE
);

CREATE INDEX idx_usage_snapshots_session_id ON usage_snapshots(session_id);
CREATE INDEX idx_usage_snapshots_timestamp ON usage_snapshots(timestamp);
CREATE INDEX idx_usage_snapshots_type ON usage_snapshots(snapshot_type);

-- migrate:down
DROP INDEX idx_usage_snapshots_type;
DROP INDEX idx_usage_snapshots_timestamp;
DROP INDEX idx_usage_snapshots_session_id;
DROP TABLE usage_snapshots;
