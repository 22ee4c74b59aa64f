-- migrate:up
-- Key-value state of the app; the import records its status here ('migration_v2_status').
CREATE TABLE app_state (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
-- migrate:down
DROP TABLE app_state;
