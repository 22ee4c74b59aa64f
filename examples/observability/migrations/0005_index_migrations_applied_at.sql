-- The document's idx_schema_migrations_applied_at, on Strata's ledger table. Strata creates
-- strata_migrations itself before any migration runs, so a migration may index it. applied_at
-- is an ISO-8601 UTC text timestamp there, which sorts chronologically.
-- (If you configure another ledger table name, change it here too.)

-- migrate:up
CREATE INDEX idx_strata_migrations_applied_at ON strata_migrations(applied_at);

-- migrate:down
DROP INDEX idx_strata_migrations_applied_at;
