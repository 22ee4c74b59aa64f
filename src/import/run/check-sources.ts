/**
 * The checking stage: every file source read through to its end (counted, not parsed) before the
 * previous import is cleared, so a truncated or damaged export stops the run while the target
 * still holds the last good import. Small key-value sources were parsed whole when opened.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { DexieExportFile } from '../readers/dexie-export.js';
import type { TableReader } from '../readers/reader-types.js';
import type { ImportRun } from './import-run.js';

const NOTHING_CHANGED = 'nothing was changed (the previous import is as it was)';

export async function checkSources(run: ImportRun<any>): Promise<void> {
  const sources = (run.options.sources ?? {}) as Record<string, unknown>;
  for (const [name, source] of Object.entries(sources)) {
    try {
      if (isDexieExport(source)) await checkDexie(source, run.signal);
      else if (isTableReader(source)) await source.count();
    } catch (error) {
      throw unchanged(name, error);
    }
  }
}

async function checkDexie(source: DexieExportFile, signal: AbortSignal): Promise<void> {
  for (const declared of await source.tables()) {
    const found = await source.table(declared.name).countRows(signal);
    if (found !== declared.rowCount) {
      throw new StrataError(ErrorCode.IMPORT_SOURCE_INVALID, `${source.path}: table "${declared.name}" declares ${declared.rowCount} rows but holds ${found}`, {
        hint: 'the export is incomplete: export it again from the source application',
        details: { file: source.path, table: declared.name },
      });
    }
  }
}

function unchanged(name: string, error: unknown): StrataError {
  if (error instanceof StrataError) {
    // Named by source: no importer has run yet, and several importers may read one source.
    return new StrataError(error.code, `source "${name}": ${error.message}`, {
      hint: `${NOTHING_CHANGED}. ${error.hint ?? 'Fix the source and run the import again.'}`,
      next: error.next,
      cause: error,
      details: { ...error.details, source: name },
    });
  }
  return new StrataError(ErrorCode.IMPORT_SOURCE_INVALID, `source "${name}" cannot be read to its end: ${messageOf(error)}`, {
    hint: `${NOTHING_CHANGED}; fix the source and run the import again`,
    cause: error,
    details: { source: name },
  });
}

function isDexieExport(value: unknown): value is DexieExportFile {
  const v = value as Partial<DexieExportFile> | null;
  return Boolean(v) && typeof v === 'object' && typeof v!.tables === 'function' && typeof v!.table === 'function' && typeof v!.path === 'string';
}

function isTableReader(value: unknown): value is TableReader {
  const v = value as Partial<TableReader> | null;
  return Boolean(v) && typeof v === 'object' && typeof v!.count === 'function' && typeof v!.batches === 'function';
}
