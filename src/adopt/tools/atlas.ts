/**
 * Atlas: `atlas_schema_revisions(version, description, type, applied, total, executed_at,
 * execution_time, error, error_stmt, hash, partial_hashes, operator_version)` (ariga/atlas
 * cmd/atlas/internal/migrate/ent/schema/revision.go), in the connected schema, or in a schema of
 * its own named `atlas_schema_revisions` when Atlas was given a whole database. `type` is a bit
 * set: 1 baseline (no file), 2 executed, 4 resolved by hand. A revision with `applied < total`
 * or an `error` stopped part-way. `hash` is the file's line of atlas.sum: a running sha256 over
 * the names and contents of the files up to it (atlasHashFile).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { atlasHashFile } from '../../sources/formats/atlas.js';
import type { AdoptedStep, ToolLedgerReader, UnfinishedStep } from '../tool-ledger.js';
import { isoTime, toolTable } from './tool-sql.js';

interface RevisionRow {
  version: string;
  description: string;
  type: unknown;
  applied: unknown;
  total: unknown;
  executed_at: unknown;
  error: string | null;
  hash: string;
}

const BASELINE = 1;

export const atlas: ToolLedgerReader = {
  tool: 'atlas',
  layoutSource: 'ariga/atlas cmd/atlas/internal/migrate/ent/schema/revision.go (Revision fields, DefaultRevisionSchema)',
  defaultTable: 'atlas_schema_revisions',
  defaultDir: 'migrations',
  folder: 'in-place',
  format: 'atlas',
  async read(db, { table }) {
    const candidates = table ? [table] : ['atlas_schema_revisions', 'atlas_schema_revisions.atlas_schema_revisions'];
    let found: Awaited<ReturnType<typeof toolTable>> = null;
    for (const candidate of candidates) {
      found = await toolTable(db, candidate);
      if (found) break;
    }
    if (!found) return null;
    const rows = await db.query<RevisionRow>(
      `SELECT version, description, type, applied, total, executed_at, error, hash FROM ${found.quoted} ORDER BY version`,
    );
    const steps: AdoptedStep[] = [];
    const unfinished: UnfinishedStep[] = [];
    for (const row of rows) {
      const name = row.description ? `${row.version}_${row.description}` : row.version;
      if (row.error || Number(row.applied) < Number(row.total)) {
        unfinished.push({ version: row.version, name, reason: `applied ${row.applied} of ${row.total} statements${row.error ? `: ${row.error}` : ''}` });
        continue;
      }
      const baseline = (Number(row.type) & BASELINE) !== 0;
      steps.push({
        version: row.version,
        name,
        appliedAt: isoTime(row.executed_at),
        ...(baseline ? { historyOnly: true } : { storedChecksum: row.hash }),
      });
    }
    return { source: found.name, steps, unfinished };
  },
  checksumOf({ path, dir }) {
    // The hash chains over every earlier file: recomputed over the folder as it is now.
    const files = readdirSync(dir)
      .filter((name) => name.endsWith('.sql'))
      .map((name) => ({ name, contents: readFileSync(join(dir, name)) }));
    const line = atlasHashFile(files).files.find((f) => f.name === basename(path));
    return line?.hash ?? '';
  },
};
