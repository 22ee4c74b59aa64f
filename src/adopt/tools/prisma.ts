/**
 * Prisma: `_prisma_migrations(id, checksum, finished_at, migration_name, logs, rolled_back_at,
 * started_at, applied_steps_count)` (prisma/prisma-engines
 * schema-engine/connectors/sql-schema-connector/src/flavour/postgres.rs, and sqlite.rs, mysql.rs).
 * A migration may have several rows (a failed attempt marked rolled back, then a good one): it is
 * applied when one row finished and was not rolled back; otherwise its last row says why not.
 * The checksum is the sha256 (hex) of `<timestamp>_<name>/migration.sql`, either line ending.
 */
import { prismaChecksum, prismaChecksumMatches } from '../../sources/formats/prisma.js';
import type { AdoptedStep, ToolLedgerReader, UnfinishedStep } from '../tool-ledger.js';
import { isoTime, leadingVersion, toolTable } from './tool-sql.js';

interface PrismaRow {
  checksum: string;
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  started_at: unknown;
}

export const prisma: ToolLedgerReader = {
  tool: 'prisma',
  layoutSource: 'prisma/prisma-engines schema-engine/connectors/sql-schema-connector/src/flavour/postgres.rs (create_migrations_table)',
  defaultTable: '_prisma_migrations',
  defaultDir: 'prisma/migrations',
  folder: 'in-place',
  format: 'prisma',
  async read(db, { table = '_prisma_migrations' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<PrismaRow>(
      `SELECT checksum, migration_name, finished_at, rolled_back_at, started_at FROM ${found.quoted} ORDER BY started_at, migration_name`,
    );
    const applied = new Map<string, AdoptedStep>();
    const unfinished = new Map<string, UnfinishedStep>();
    for (const row of rows) {
      const version = leadingVersion(row.migration_name) ?? row.migration_name;
      const finished = isoTime(row.finished_at);
      const rolledBack = isoTime(row.rolled_back_at);
      if (finished && !rolledBack) {
        applied.set(version, { version, name: row.migration_name, appliedAt: finished, storedChecksum: row.checksum });
        unfinished.delete(version);
      } else if (!applied.has(version)) {
        const reason = rolledBack ? 'rolled_back_at is set (marked rolled back, never applied since)' : 'finished_at IS NULL (it failed or is running)';
        unfinished.set(version, { version, name: row.migration_name, reason });
      }
    }
    return { source: found.name, steps: [...applied.values()], unfinished: [...unfinished.values()] };
  },
  checksumOf: ({ contents }) => prismaChecksum(contents),
  checksumMatches: ({ contents }, stored) => prismaChecksumMatches(contents, stored),
};
