/**
 * PostgreSQL's schema reader on the real server, in a database where extensions put their own
 * routines and types beside the application's: what an extension owns is not the application's
 * schema (left out of the dump and the fingerprint), what the application built with it is, and
 * another schema's objects are not read. The stamp moves with the application's DDL only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOnDialect } from './conformance/describe-dialect.js';
import { DIALECTS } from './conformance/dialects.js';
import { cli, tempDir, writeFiles } from './helpers.js';
import { freshDatabase, withPostgres } from './servers.js';

const postgres = DIALECTS.find((d) => d.name === 'postgres')!;

await describeOnDialect('PostgreSQL schema reader', postgres, () => {
  test('extension members are left out, the objects built on them and nothing of another schema are read', async () => {
    const url = await freshDatabase('postgres', 'strata_read');
    await withPostgres(
      (client) =>
        client.query(`
          CREATE EXTENSION citext; CREATE EXTENSION pg_trgm;
          CREATE SCHEMA tenant_other; CREATE TABLE tenant_other.secrets (id INTEGER PRIMARY KEY);`),
      url,
    );
    const dir = tempDir('strata-pg-read-');
    writeFiles(dir, {
      'migrations/0001_people.sql': `-- migrate:up
CREATE TYPE mood AS ENUM ('calm', 'busy');
CREATE TABLE people (id INTEGER PRIMARY KEY, email citext NOT NULL, mood mood);
CREATE INDEX people_email_trgm ON people USING gin ((email::text) gin_trgm_ops);
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql AS $$ SELECT upper(t) $$;
`,
    });
    const migrated = cli(['migrate', '--db', url, '--no-backup'], { cwd: dir });
    assert.equal(migrated.code, 0, migrated.stderr);
    const dump = cli(['schema', 'dump', '--db', url, '--json'], { cwd: dir });
    assert.equal(dump.code, 0, dump.stderr);
    const { ddl } = JSON.parse(dump.stdout) as { ddl: string };
    assert.match(ddl, /create table people/i);
    assert.match(ddl, /email citext not null/i);
    assert.match(ddl, /people_email_trgm/);
    assert.match(ddl, /shout/);
    assert.match(ddl, /enum \('calm', 'busy'\)/i);
    // pg_trgm's and citext's own routines (similarity, citext_eq, ...) and another schema's table.
    assert.doesNotMatch(ddl, /similarity|citext_eq|gtrgm|secrets/i);

    const drift = cli(['drift', '--db', url, '--json'], { cwd: dir });
    assert.equal(drift.code, 0, drift.stderr);
    assert.equal((JSON.parse(drift.stdout) as { checkedBy: string }).checkedBy, 'stamp');
  });
});
