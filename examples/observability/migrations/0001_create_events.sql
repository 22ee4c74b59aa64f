-- The application's hook-events table, which existed before the usage tables.
--
-- usage_snapshots declares FOREIGN KEY (session_id) REFERENCES events (session_id).
-- SQLite only accepts a foreign key whose parent columns are the PRIMARY KEY or carry a
-- UNIQUE constraint/index; otherwise every write to the child (and every delete from the parent)
-- fails with "foreign key mismatch". So session_id is UNIQUE here: one events row per session.
-- See the README ("The events table") for why, and for the alternative with a sessions table.
--
-- Plain CREATE TABLE (no IF NOT EXISTS): pointed at a database whose events table lacks the
-- UNIQUE constraint, this migration fails loudly instead of silently adopting a table the
-- foreign key cannot use. Timestamps are unix seconds, like every other table here.

-- migrate:up
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_app TEXT NOT NULL,
  session_id TEXT NOT NULL UNIQUE,
  hook_event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  chat TEXT,
  summary TEXT,
  timestamp INTEGER NOT NULL DEFAULT (unixepoch())
);

-- migrate:down
DROP TABLE events;
