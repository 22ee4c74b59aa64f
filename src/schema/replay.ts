/**
 * The replay behind `strata drift`: the applied migrations (their ups, SQL and code, in the
 * order they were applied) run into a scratch database of the same dialect by the same engine
 * that ran them on the live one, and the scratch schema read back. The live database is only
 * read (its catalog); the scratch one is dropped afterwards, also when the replay fails.
 */
import type { DriftHook } from '../engine/drift.js';
import { Migrator } from '../engine/migrator.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { migrationLabel, type Migration } from '../model/migration.js';
import { resolveDatabase, type DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlContext, SqlDriver } from '../targets/sql/driver.js';
import type { ScratchDatabase } from '../targets/sql/scratch-database.js';
import { SqlTarget } from '../targets/sql/sql-target.js';
import { excludedTables, readDriverSchema } from './read-schema.js';
import type { SchemaModel } from './schema-model.js';

/** Drift for a SQL migrator: the live schema through its own driver, the history replayed beside it. */
export function sqlDriftHook<Connection>(spec: DatabaseSpec, driver: SqlDriver<Connection>): DriftHook<SqlContext<Connection>> {
  return {
    live: () => readDriverSchema(driver, { schema: spec.schema, exclude: excludedTables(spec) }),
    replay: (migrations) => replayHistory(spec, migrations),
  };
}

/** The schema `migrations` build, in this order, from an empty database of `spec`'s dialect. */
export async function replayHistory<Connection>(spec: DatabaseSpec, migrations: readonly Migration<SqlContext<Connection>>[]): Promise<SchemaModel> {
  if (!spec.dialect.scratch) {
    throw new StrataError(ErrorCode.SCHEMA_UNSUPPORTED, `the ${spec.dialect.name} dialect has no scratch database to replay the history into`, {
      hint: 'drift replays on sqlite, postgres, pglite and mysql/mariadb',
    });
  }
  const scratch = await spec.dialect.scratch(spec);
  try {
    await refuseReachingLive(scratch, spec, migrations);
    return await replayInto(scratch, spec, migrations);
  } finally {
    await scratch.dispose();
  }
}

async function replayInto<Connection>(
  scratch: ScratchDatabase,
  live: DatabaseSpec,
  migrations: readonly Migration<SqlContext<Connection>>[],
): Promise<SchemaModel> {
  // Same schema and table names as the live database, so the same SQL means the same thing.
  const spec = resolveDatabase({
    db: scratch.db,
    schema: live.schema,
    table: live.tables.ledger.name,
    journalTable: live.tables.journal.name,
    backfillTable: live.tables.backfill.name,
    pragmas: live.settings.pragmas,
  });
  const driver = spec.openDriver() as SqlDriver<Connection>;
  let applied = 0;
  // One step per run, sources growing in applied order: the replay keeps the live order even
  // where it differs from version order (an out-of-order step).
  const migrator = new Migrator<SqlContext<Connection>>({
    target: new SqlTarget(driver, spec.tables.ledger.name),
    source: () => migrations.slice(0, applied),
    allowOutOfOrder: true,
    drift: 'off',
  });
  try {
    for (const migration of migrations) {
      applied++;
      try {
        await migrator.migrate();
      } catch (error) {
        throw new StrataError(
          ErrorCode.DRIFT_REPLAY_FAILED,
          `replaying the applied history into ${scratch.description} failed at ${migrationLabel(migration)} (${migration.origin}): ${messageOf(error)}`,
          {
            hint: 'the applied migrations must build the schema from an empty database; a database that had tables before its first migration (a baseline, or a copy of a template database) cannot be replayed: compare it with a schema dump instead',
            cause: error,
            details: { version: migration.version, name: migration.name, replayed: applied - 1 },
          },
        );
      }
    }
    return await readDriverSchema(driver, { schema: spec.schema, exclude: excludedTables(spec) });
  } finally {
    await migrator.close();
  }
}

/** Where a scratch database could still reach the live one (MySQL's `app.users`), nothing is replayed. */
async function refuseReachingLive<Connection>(
  scratch: ScratchDatabase,
  live: DatabaseSpec,
  migrations: readonly Migration<SqlContext<Connection>>[],
): Promise<void> {
  const reaches = scratch.reachesLive;
  if (!reaches) return;
  for (const migration of migrations) {
    const { up } = await migration.load();
    if (up.kind !== 'sql') continue;
    const statement = up.statements.find((s) => reaches(s.sql));
    if (statement) {
      throw new StrataError(
        ErrorCode.DRIFT_REPLAY_FAILED,
        `${migrationLabel(migration)} names the live database ${live.description} in its statement ${statement.index} (line ${statement.line}): replayed, it would change the live database, so nothing was replayed`,
        {
          hint: 'write the migration without the database name (it runs in the database it is applied to)',
          details: { version: migration.version, name: migration.name, line: statement.line },
        },
      );
    }
  }
}
