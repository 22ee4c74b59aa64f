/**
 * Flyway: `flyway_schema_history(installed_rank, version, description, type, script, checksum,
 * installed_by, installed_on, execution_time, success)` (flyway/flyway
 * flyway-core/src/main/resources/org/flywaydb/core/internal/database/postgresql/createMetaDataTable.sql,
 * and the same per database). Replayed in installed_rank order: versioned rows (`SQL`, `JDBC`...)
 * apply, `UNDO_SQL` reverts, `DELETE` (flyway repair) removes, `BASELINE` records history with
 * no file; repeatable rows (no version) are not versions and are left out. `success = false`
 * is a failed step. The checksum is Flyway's CRC-32 over the file's lines (flywayChecksum).
 */
import { flywayChecksum } from '../../sources/formats/flyway.js';
import type { AdoptedStep, ToolLedgerReader, UnfinishedStep } from '../tool-ledger.js';
import { isoTime, toolTable, truthy } from './tool-sql.js';

interface HistoryRow {
  installed_rank: unknown;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: unknown;
  installed_on: unknown;
  success: unknown;
}

export const flyway: ToolLedgerReader = {
  tool: 'flyway',
  layoutSource: 'flyway/flyway flyway-core/src/main/resources/org/flywaydb/core/internal/database/postgresql/createMetaDataTable.sql',
  defaultTable: 'flyway_schema_history',
  defaultDir: 'sql',
  folder: 'in-place',
  format: 'flyway',
  async read(db, { table = 'flyway_schema_history' }) {
    const found = await toolTable(db, table);
    if (!found) return null;
    const rows = await db.query<HistoryRow>(
      `SELECT installed_rank, version, description, type, script, checksum, installed_on, success FROM ${found.quoted} ORDER BY installed_rank`,
    );
    const applied = new Map<string, AdoptedStep>();
    const failed = new Map<string, UnfinishedStep>();
    for (const row of rows) {
      if (row.version === null || row.version === '' || row.type === 'SCHEMA') continue;
      // Flyway writes `2_1` as 2.1, as the flyway format names the file's version.
      const version = row.version.replace(/_/g, '.');
      if (!truthy(row.success)) {
        failed.set(version, { version, name: row.script, reason: `success = false (${row.type} failed; 'flyway repair' removes the row)` });
        continue;
      }
      failed.delete(version);
      if (row.type === 'UNDO_SQL' || row.type === 'UNDO_JDBC' || row.type === 'DELETE') {
        applied.delete(version);
        continue;
      }
      applied.set(version, {
        version,
        name: row.type === 'BASELINE' ? row.description : row.script,
        appliedAt: isoTime(row.installed_on),
        ...(row.checksum === null || row.checksum === undefined ? {} : { storedChecksum: String(row.checksum) }),
        ...(row.type === 'BASELINE' ? { historyOnly: true } : {}),
      });
    }
    return { source: found.name, steps: [...applied.values()], unfinished: [...failed.values()] };
  },
  checksumOf({ contents }) {
    return String(flywayChecksum(contents));
  },
};
