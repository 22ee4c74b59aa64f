-- Usage-monitoring settings, exactly as the design document gives them. Rows may be kept as
-- history (is_active = 0); the partial unique index allows at most one active row.

-- migrate:up
CREATE TABLE usage_config (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  plan TEXT NOT NULL DEFAULT 'custom' CHECK (plan IN ('pro', 'max5', 'max20', 'custom')),
  custom_limit_tokens INTEGER CHECK (custom_limit_tokens IS NULL OR custom_limit_tokens > 0),
  view TEXT NOT NULL DEFAULT 'realtime' CHECK (view IN ('realtime', 'daily', 'monthly', 'session')),
  timezone TEXT NOT NULL DEFAULT 'auto',
  time_format TEXT NOT NULL DEFAULT 'auto' CHECK (time_format IN ('12h', '24h', 'auto')),
  theme TEXT NOT NULL DEFAULT 'auto' CHECK (theme IN ('light', 'dark', 'classic', 'auto')),
  refresh_rate INTEGER NOT NULL DEFAULT 10 CHECK (refresh_rate >= 1 AND refresh_rate <= 60),
  refresh_per_second REAL NOT NULL DEFAULT 0.75 CHECK (refresh_per_second >= 0.1 AND refresh_per_second <= 20.0),
  reset_hour INTEGER CHECK (reset_hour IS NULL OR (reset_hour >= 0 AND reset_hour <= 23)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch()),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1))
);

CREATE UNIQUE INDEX idx_usage_config_active ON usage_config(is_active) WHERE is_active = 1;

-- migrate:down
DROP INDEX idx_usage_config_active;
DROP TABLE usage_config;
