-- Default data: the one active configuration row. Every value comes from the column defaults
-- in 0002, so the defaults live in one place (resetUsageConfig() relies on the same defaults).

-- migrate:up
INSERT INTO usage_config DEFAULT VALUES;

-- migrate:down
-- The table held no rows before this migration: rolling it back removes the configuration,
-- including any edits made since (rolling back 0002 would drop the table anyway).
DELETE FROM usage_config;
