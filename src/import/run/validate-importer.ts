/**
 * The validating stage, for one importer: its own validate, the count rule
 * (`targetCount >= sourceCount - skippedCount`) and `PRAGMA foreign_key_check` on its tables.
 * Any error fails the run.
 */
import type { BetterSqlite3Database } from '../../targets/sql/sqlite/better-sqlite3-database.js';
import { ErrorCode, StrataError } from '../../model/errors.js';
import { quoteIdentifier } from '../status.js';
import type { ImportSources } from '../types.js';
import type { ImportRun, ImporterStep } from './import-run.js';

export async function validateImporter<Sources extends ImportSources>(run: ImportRun<Sources>, step: ImporterStep<Sources>): Promise<void> {
  const { importer, result } = step;
  run.stage('validating');
  const validated = await importer.validate(step.context);
  const errors = [...validated.errors];
  if (validated.targetCount < validated.sourceCount - validated.skippedCount) {
    errors.unshift(
      `${validated.targetCount} rows in the target, expected at least ${validated.sourceCount - validated.skippedCount} (source ${validated.sourceCount} - skipped ${validated.skippedCount})`,
    );
  }
  errors.push(...foreignKeyViolations(run.db, importer.tables ?? []));
  Object.assign(result, {
    sourceCount: validated.sourceCount,
    targetCount: validated.targetCount,
    skippedCount: validated.skippedCount,
    errors,
    durationMs: performance.now() - step.startedAt,
  });
  run.events.emit('import:validated', {
    id: importer.id,
    name: importer.name,
    sourceCount: validated.sourceCount,
    targetCount: validated.targetCount,
    skippedCount: validated.skippedCount,
    errors,
  });
  if (errors.length) {
    result.status = 'failed';
    run.finish(result);
    throw new StrataError(ErrorCode.IMPORT_VALIDATION_FAILED, `importer "${importer.id}" did not validate: ${errors.join('; ')}`, {
      hint: 'the target tables were cleared and the status records the failure; fix the importer or the data and run the import again',
      details: { importer: importer.id, errors },
    });
  }
  result.status = 'imported';
  run.finish(result);
}

/** `PRAGMA foreign_key_check` on the importer's tables, as validation errors. */
function foreignKeyViolations(db: BetterSqlite3Database, tables: readonly string[]): string[] {
  const errors: string[] = [];
  for (const table of tables) {
    const rows = db.prepare(`PRAGMA foreign_key_check(${quoteIdentifier(table)})`).all() as {
      table: string;
      rowid: number | null;
      parent: string;
      fkid: number;
    }[];
    if (rows.length === 0) continue;
    const byParent = new Map<string, number[]>();
    for (const row of rows) {
      const list = byParent.get(row.parent) ?? [];
      list.push(row.rowid ?? -1);
      byParent.set(row.parent, list);
    }
    for (const [parent, rowids] of byParent) {
      errors.push(
        `foreign key violation: ${rowids.length} row(s) of ${table} reference missing rows of ${parent} (rowid ${rowids.slice(0, 5).join(', ')}${rowids.length > 5 ? ', ...' : ''})`,
      );
    }
  }
  return errors;
}
