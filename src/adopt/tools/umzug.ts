/**
 * umzug (v3), with either of its storages:
 * - SequelizeStorage: `SequelizeMeta(name)`, renamed by its `tableName` option; read as
 *   Sequelize CLI's is (src/adopt/tools/sequelize.ts).
 * - JSONStorage: a JSON array of the executed names, `umzug.json` in the working folder unless
 *   its `path` option says otherwise. `--tool-table` naming a `.json` file reads that file.
 * Without `--tool-table`: SequelizeMeta when the database has it, else `./umzug.json` when it exists.
 * Names are whatever the migrations were called (umzug's `create` makes
 * `2024.01.15T12.30.45.name.js`); the number or timestamp a name starts with is the version.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { ToolHistory, ToolLedgerReader } from '../tool-ledger.js';
import { stepsFromRows, versionInName } from './js-ledger.js';
import { DEFAULT_SEQUELIZE_TABLE, readSequelizeMeta } from './sequelize.js';

export const DEFAULT_UMZUG_JSON = 'umzug.json';

export const umzugReader: ToolLedgerReader = {
  tool: 'umzug',
  layoutSource: 'sequelize/umzug: src/storage/sequelize.ts (SequelizeMeta), src/storage/json.ts (umzug.json)',
  defaultTable: DEFAULT_SEQUELIZE_TABLE,
  defaultDir: 'migrations',
  folder: 'history-only',
  async read(db: SqlDriver, options: { dir: string; table?: string }): Promise<ToolHistory | null> {
    if (options.table !== undefined && isJsonFile(options.table)) return readJsonStorage(resolve(options.table));
    const fromTable = await readSequelizeMeta(db, options.table ?? DEFAULT_SEQUELIZE_TABLE);
    if (fromTable || options.table !== undefined) return fromTable;
    return readJsonStorage(resolve(DEFAULT_UMZUG_JSON));
  },
};

function isJsonFile(table: string): boolean {
  return table.toLowerCase().endsWith('.json');
}

/** JSONStorage's file; null when it does not exist. */
export async function readJsonStorage(path: string): Promise<ToolHistory | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StrataError(ErrorCode.ADOPT_LEDGER_INVALID, `cannot read umzug's JSON storage ${path}: ${(error as Error).message}`, {
      hint: 'check that the file is readable, or name the right one with --tool-table path/to/umzug.json',
      details: { file: path },
      cause: error,
    });
  }
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch (error) {
    names = error;
  }
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string')) {
    throw new StrataError(ErrorCode.ADOPT_LEDGER_INVALID, `${path} is not umzug's JSON storage: it should hold a JSON array of migration names`, {
      hint: "name the file umzug's JSONStorage writes (its `path` option) with --tool-table path/to/umzug.json",
      details: { file: path },
    });
  }
  const steps = stepsFromRows(
    (names as string[]).map((name) => ({ name })),
    path,
    (row) => versionInName(row.name),
  );
  return { source: path, steps, unfinished: [] };
}
