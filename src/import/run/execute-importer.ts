/**
 * The importing stage, for one importer: its execute, with foreign keys deferred unless the run
 * enforces them. Cancel is honoured before it starts and after it returns (importers check the
 * signal between their own batches).
 */
import { importCancelled } from '../table-importer.js';
import type { ImportSources } from '../types.js';
import type { ImportRun, ImporterStep } from './import-run.js';

export async function executeImporter<Sources extends ImportSources>(run: ImportRun<Sources>, index: number): Promise<ImporterStep<Sources>> {
  const importer = run.importers[index]!;
  const result = run.results[index]!;
  if (run.signal.aborted) throw importCancelled(`before ${importer.id}`);
  const step: ImporterStep<Sources> = { importer, result, index, context: run.context(importer), startedAt: performance.now() };
  run.current = step;
  run.beat(true);
  run.events.emit('import:start', { id: importer.id, name: importer.name, index: index + 1, total: run.importers.length, sourceCount: result.sourceCount });
  const { db } = run;
  // Deferred: rows may arrive before the rows they reference; validation runs foreign_key_check.
  const deferKeys = run.options.foreignKeys !== 'enforce' && db.pragma('foreign_keys', { simple: true }) === 1;
  if (deferKeys) db.pragma('foreign_keys = OFF');
  try {
    await importer.execute(step.context);
  } catch (error) {
    result.durationMs = performance.now() - step.startedAt;
    throw error;
  } finally {
    // An importer that threw inside its own transaction leaves it open: its batch is undone.
    if (db.inTransaction) db.exec('ROLLBACK');
    if (deferKeys) db.pragma('foreign_keys = ON');
  }
  if (run.signal.aborted) throw importCancelled(`after ${importer.id}`);
  return step;
}
