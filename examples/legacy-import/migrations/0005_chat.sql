-- migrate:up
CREATE TABLE topic (
  id TEXT PRIMARY KEY NOT NULL,
  assistant_id TEXT REFERENCES assistant(id) ON DELETE SET NULL,
  name TEXT NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT
);
CREATE TABLE message (
  id TEXT PRIMARY KEY NOT NULL,
  topic_id TEXT NOT NULL REFERENCES topic(id) ON DELETE CASCADE,
  assistant_id TEXT REFERENCES assistant(id) ON DELETE SET NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  content TEXT NOT NULL,
  usage TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX topic_assistant ON topic(assistant_id);
CREATE INDEX message_topic ON message(topic_id, created_at);
-- migrate:down
DROP TABLE message;
DROP TABLE topic;
