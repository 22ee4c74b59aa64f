/**
 * The preparing stage: every importer's prepare (checks and counts) before anything is touched,
 * so a missing source stops the run while the target is still as it was.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { PrepareResult } from '../types.js';
import type { ImportRun } from './import-run.js';

/** Fills each result line from its prepare; returns the importers that cannot run, as `id: reason`. */
export async function prepareImporters(run: ImportRun<any>): Promise<string[]> {
  run.stage('preparing');
  const notReady: string[] = [];
  for (const [k, importer] of run.importers.entries()) {
    const result = run.results[k]!;
    let prepared: PrepareResult;
    try {
      prepared = await importer.prepare(run.context(importer));
    } catch (error) {
      // A prepare that throws is an importer that cannot run: reported with the others, not alone.
      prepared = { sourceCount: 0, canRun: false, reason: describe(error) };
      result.errors.push(describe(error));
    }
    result.prepare = prepared;
    result.source = importer.source ?? result.source;
    result.sourceCount = prepared.sourceCount;
    result.warnings.push(...(prepared.warnings ?? []));
    if (prepared.canRun === false) notReady.push(`${importer.id}: ${prepared.reason ?? 'cannot run'}`);
    if (run.dryRun) result.status = 'dry-run';
  }
  run.events.emit('import:prepared', {
    importers: run.importers.map((i, k) => ({ id: i.id, name: i.name, order: i.order, prepare: run.results[k]!.prepare! })),
    dryRun: run.dryRun,
  });
  return notReady;
}

/** Stops a run some importer cannot do, before anything is written. */
export function refuseNotReady(notReady: readonly string[]): void {
  if (notReady.length === 0) return;
  throw new StrataError(ErrorCode.IMPORT_NOT_READY, `the import cannot start: ${notReady.join('; ')}`, {
    hint: 'nothing was changed; fix the sources named above and run the import again',
    details: { notReady },
  });
}

/** A coded error (possibly from another copy of Strata's modules) keeps its code in front. */
function describe(error: unknown): string {
  const like = error as { code?: unknown } | undefined;
  return like && typeof like === 'object' && typeof like.code === 'string' && (error as Error).name === 'StrataError'
    ? `${like.code}: ${messageOf(error)}`
    : messageOf(error);
}
