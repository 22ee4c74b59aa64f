-- migrate:up
-- One row per preference: a scope (default: the whole app), a dotted key, a JSON value.
CREATE TABLE preference (
  scope TEXT NOT NULL DEFAULT 'default',
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
-- migrate:down
DROP TABLE preference;
