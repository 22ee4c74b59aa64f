/**
 * `strata drift --adopt NAME`: the drift written as a new migration (the DDL from the replayed
 * schema to the live one, with the way back as its down where it can be written) and recorded
 * as applied with the live fingerprint, so the history describes the database again. The file
 * is written atomically and only then the ledger row; if the row cannot be written, the file is
 * removed again (left behind, it would be a pending step that fails on this database).
 *
 * @example
 * const { file } = await adoptDrift(migrator, { dir: './migrations', version: '0042', name: 'hand_made_index' });
 */
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { DriftReport } from '../engine/drift.js';
import type { Migrator } from '../engine/migrator.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { dialectNamed } from '../targets/sql/dialects.js';
import type { SqlContext } from '../targets/sql/driver.js';
import { describeChange } from './describe-change.js';
import { diffSchemas } from './diff.js';
import { renderAlter } from './render-alter.js';
import type { SchemaModel } from './schema-model.js';

export interface AdoptDriftOptions {
  /** The migrations folder the file goes to. */
  dir: string;
  /** The new migration's version (after every existing one) and name: `<version>_<name>.sql`. */
  version: string;
  name: string;
  /** A drift report just taken by a replay (its `expected` and `live` models), to adopt without replaying again. */
  report?: DriftReport;
}

export interface AdoptedDrift {
  report: DriftReport;
  /** The file written; undefined when there was no drift (nothing written, nothing recorded). */
  file?: string;
  version?: string;
}

export async function adoptDrift(migrator: Migrator<SqlContext<any>>, options: AdoptDriftOptions): Promise<AdoptedDrift> {
  const report = options.report?.expected && options.report.live ? options.report : await migrator.drift();
  if (!report.drift) return { report };
  if (!report.expected || !report.live) {
    // The fingerprint differs but nothing was compared (cannot happen: a mismatch replays); replay to be sure.
    return adoptReplayed(migrator, await migrator.drift({ replay: true }), options);
  }
  return adoptReplayed(migrator, report, options);
}

async function adoptReplayed(migrator: Migrator<SqlContext<any>>, report: DriftReport, options: AdoptDriftOptions): Promise<AdoptedDrift> {
  const contents = migrationText(report.expected!, report.live!);
  const file = join(options.dir, `${options.version}_${options.name}.sql`);
  if (existsSync(file)) throw new StrataError(ErrorCode.FILE_EXISTS, `${file} already exists`, { hint: 'choose another name' });
  await writeFileAtomic(file, contents, { mode: 0o644 });
  try {
    await migrator.recordApplied(options.version);
  } catch (error) {
    await unlink(file).catch(() => undefined);
    throw new StrataError(ErrorCode.STORE_WRITE_FAILED, `wrote ${file} but could not record it as applied (${messageOf(error)}): the file was removed again`, {
      hint: 'fix the cause and run strata drift --adopt again',
      cause: error,
    });
  }
  return { report, file, version: options.version };
}

/** The migration file: up from the replayed schema to the live one; down back, or a comment saying why there is none. */
export function migrationText(expected: SchemaModel, live: SchemaModel): string {
  const dialect = dialectNamed(live.family);
  if (!dialect?.ddl || !dialect.alter) {
    throw new StrataError(ErrorCode.SCHEMA_UNSUPPORTED, `Strata cannot write ${live.family} DDL for drift --adopt`, { hint: 'write the migration by hand' });
  }
  const changes = diffSchemas(expected, live);
  const up = renderAlter(changes, expected, live, dialect.ddl, dialect.alter);
  let down: string[] | undefined;
  let noDown = '';
  try {
    down = renderAlter(diffSchemas(live, expected), live, expected, dialect.ddl, dialect.alter);
  } catch (error) {
    noDown = `-- no down: ${messageOf(error)}\n`;
  }
  const header = [
    '-- Adopted by strata drift --adopt: changes made to the database outside the migrations.',
    ...changes.map((c) => `--   ${describeChange(c).replace(/\s+/g, ' ')}`),
  ].join('\n');
  const statements = (list: readonly string[]) => list.map((s) => (s.startsWith('--') ? `${s}\n` : `${s};\n`)).join('');
  return `${header}\n-- migrate:up\n${statements(up)}${down ? `\n-- migrate:down\n${statements(down)}` : `\n${noDown}`}`;
}
