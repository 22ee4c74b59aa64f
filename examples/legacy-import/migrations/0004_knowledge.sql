-- migrate:up
CREATE TABLE knowledge_base (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  model_id TEXT,
  dimensions INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT
);
CREATE TABLE knowledge_item (
  id TEXT PRIMARY KEY NOT NULL,
  base_id TEXT NOT NULL REFERENCES knowledge_base(id) ON DELETE CASCADE,
  type TEXT NOT NULL CHECK (type IN ('note', 'file', 'url')),
  content TEXT NOT NULL DEFAULT '',
  file_name TEXT,
  file_data BLOB,
  created_at TEXT NOT NULL
);
CREATE INDEX knowledge_item_base ON knowledge_item(base_id);
-- migrate:down
DROP TABLE knowledge_item;
DROP TABLE knowledge_base;
