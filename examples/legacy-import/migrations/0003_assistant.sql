-- migrate:up
CREATE TABLE assistant (
  id TEXT PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  prompt TEXT NOT NULL DEFAULT '',
  emoji TEXT,
  model_id TEXT,
  settings TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT
);
-- migrate:down
DROP TABLE assistant;
