/**
 * The common case in a few lines: copy one or more source tables into target tables, each row
 * through `map` (null skips it), in batches, each batch one transaction of prepared multi-row
 * INSERTs. Counts for prepare and validate come for free.
 *
 * @example
 * tableImporter({
 *   id: 'assistants', name: 'Assistants', order: 20,
 *   source: (sources) => sources.dexie.table('assistants'),
 *   table: 'assistant',
 *   map: (row) => ({ id: row.id, name: row.name }),
 * });
 */
import type { BetterSqlite3Database, BetterSqlite3Statement } from '../targets/sql/sqlite/better-sqlite3-database.js';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import type { TableReader } from './readers/reader-types.js';
import { quoteIdentifier } from './status.js';
import type { ImportContext, ImportSources, Importer, PrepareResult, ValidateResult } from './types.js';

export type TargetRow = Record<string, unknown>;

export interface TableCopy<Sources extends ImportSources = ImportSources, Row = any> {
  /** The source table, from the context's sources. */
  source: (sources: Sources, ctx: ImportContext<Sources>) => TableReader<Row>;
  /** The target table. */
  table: string;
  /** One target row for a source row, or null to skip it (counted as skipped). */
  map: (row: Row, ctx: ImportContext<Sources>, index: number) => TargetRow | null;
  /** The target columns (default: the keys of the first mapped row). */
  columns?: readonly string[];
  /** Rows per transaction (default: the importer's batchSize). */
  batchSize?: number;
  /** What a duplicate key does: 'error' (default: it fails the run), 'ignore' or 'replace' (the dropped rows then fail the count check unless counted as skipped). */
  onConflict?: 'error' | 'ignore' | 'replace';
}

export interface TableImporterOptions<Sources extends ImportSources = ImportSources, Row = any> extends Partial<TableCopy<Sources, Row>> {
  id: string;
  name?: string;
  description?: string;
  order: number;
  /** Several copies in order (e.g. knowledge bases, then their items); or one through `source`/`table`/`map`. */
  copies?: TableCopy<Sources, any>[];
  /** Rows per transaction (default {@link DEFAULT_IMPORT_BATCH_ROWS}, 1000). */
  batchSize?: number;
  /** A label for summaries (default: the tables read). */
  sourceLabel?: string;
  /** Runs before the first copy (e.g. to set up a lookup in sharedData). */
  before?: (ctx: ImportContext<Sources>) => void | Promise<void>;
  /** Runs after the last copy. */
  after?: (ctx: ImportContext<Sources>) => void | Promise<void>;
  /** More checks after the counts: each string returned fails the run. */
  check?: (ctx: ImportContext<Sources>) => string[] | Promise<string[]>;
}

/**
 * Rows per transaction of a table importer. An import runs in the app's migration window, with no
 * writes of the app waiting on the lock, so a batch is big enough that a transaction's fixed cost
 * (begin, commit, WAL frames) is spread thin: bench/README.md ("Backfills") has 100-row batches
 * spending most of their time there. It stays small because a batch is also what the reader holds
 * in memory at once, and the unit of progress, heartbeat and cancel.
 */
export const DEFAULT_IMPORT_BATCH_ROWS = 1000;
/** SQLite's bound-parameter limit is 32766 (3.32+); stay well under it. */
const MAX_PARAMETERS = 30_000;
const MAX_ROWS_PER_STATEMENT = 200;

/** The AbortSignal fired: stop here (the engine clears what this run wrote). */
export function importCancelled(where?: string): StrataError {
  return new StrataError(ErrorCode.IMPORT_CANCELLED, `the import was cancelled${where ? ` (${where})` : ''}`, {
    hint: 'the target tables were cleared; run the import again to start over',
  });
}

export function tableImporter<Sources extends ImportSources = ImportSources, Row = any>(options: TableImporterOptions<Sources, Row>): Importer<Sources> {
  const copies: TableCopy<Sources, any>[] = options.copies ? [...options.copies] : [];
  if (options.source && options.table && options.map) {
    copies.unshift({
      source: options.source,
      table: options.table,
      map: options.map,
      columns: options.columns,
      batchSize: options.batchSize,
      onConflict: options.onConflict,
    });
  }
  if (copies.length === 0) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `tableImporter "${options.id}" copies nothing`, {
      hint: 'give source, table and map, or copies: [{ source, table, map }]',
    });
  }
  const tables = [...new Set(copies.map((c) => c.table))];
  // Per run: what each copy read and skipped (the engine runs prepare, execute, validate on one instance).
  let counts: { source: number; skipped: number; readers: string[] }[] = [];
  let prepared: number[] = [];

  const importer: Importer<Sources> & { source: string } = {
    id: options.id,
    name: options.name ?? options.id,
    description: options.description ?? `${tables.join(', ')}`,
    order: options.order,
    tables,
    source: options.sourceLabel ?? '',
    async prepare(ctx): Promise<PrepareResult> {
      const tableCounts: Record<string, number> = {};
      const warnings: string[] = [];
      prepared = [];
      const labels: string[] = [];
      for (const copy of copies) {
        const reader = copy.source(ctx.sources, ctx);
        const count = await reader.count();
        prepared.push(count);
        labels.push(reader.name);
        tableCounts[reader.name] = (tableCounts[reader.name] ?? 0) + count;
        if (count === 0) warnings.push(`${reader.name} is empty`);
      }
      if (!options.sourceLabel) importer.source = labels.join(', ');
      return { sourceCount: prepared.reduce((a, b) => a + b, 0), tables: tableCounts, warnings };
    },
    async execute(ctx): Promise<void> {
      counts = copies.map(() => ({ source: 0, skipped: 0, readers: [] }));
      const total = prepared.reduce((a, b) => a + b, 0);
      let done = 0;
      await options.before?.(ctx);
      for (const [c, copy] of copies.entries()) {
        const reader = copy.source(ctx.sources, ctx);
        const size = copy.batchSize ?? options.batchSize ?? DEFAULT_IMPORT_BATCH_ROWS;
        const writer = new BatchWriter(ctx.db, copy.table, copy.columns, copy.onConflict ?? 'error');
        let index = 0;
        for await (const batch of reader.batches(size, ctx.signal)) {
          if (ctx.signal.aborted) throw importCancelled(`${options.id}: ${reader.name} at row ${index}`);
          const rows: TargetRow[] = [];
          for (const row of batch) {
            let mapped: TargetRow | null;
            try {
              mapped = copy.map(row, ctx, index);
            } catch (error) {
              if (error instanceof StrataError) throw error;
              throw new StrataError(ErrorCode.IMPORT_ROW_INVALID, `${reader.name} row ${index}: map() threw: ${messageOf(error)}`, {
                hint: `fix the mapping of importer "${options.id}" for this row (or return null to skip such rows)`,
                cause: error,
                details: { importer: options.id, table: reader.name, row: index },
              });
            }
            if (mapped === null || mapped === undefined) counts[c]!.skipped++;
            else rows.push(mapped);
            index++;
          }
          writer.write(rows, `${reader.name} rows ${index - batch.length}-${index - 1}`);
          counts[c]!.source += batch.length;
          done += batch.length;
          ctx.reportProgress({ done, total: Math.max(total, done) });
        }
        if (ctx.signal.aborted) throw importCancelled(`${options.id}: ${reader.name}`);
      }
      await options.after?.(ctx);
    },
    async validate(ctx): Promise<ValidateResult> {
      const errors: string[] = [];
      const perTable: NonNullable<ValidateResult['tables']> = {};
      for (const [c, copy] of copies.entries()) {
        const entry = (perTable[copy.table] ??= { sourceCount: 0, targetCount: 0, skippedCount: 0 });
        // What was read, or when execute never ran in this instance, what prepare counted.
        entry.sourceCount += counts[c]?.source ?? prepared[c] ?? 0;
        entry.skippedCount += counts[c]?.skipped ?? 0;
        if (counts[c] && prepared[c] !== undefined && counts[c]!.source !== prepared[c]) {
          errors.push(`${copy.table}: the source declared ${prepared[c]} rows but ${counts[c]!.source} were read`);
        }
      }
      for (const [table, entry] of Object.entries(perTable)) {
        entry.targetCount = ctx.db
          .prepare(`SELECT count(*) FROM ${quoteIdentifier(table)}`)
          .pluck()
          .get() as number;
      }
      if (options.check) errors.push(...(await options.check(ctx)));
      const sum = (key: 'sourceCount' | 'targetCount' | 'skippedCount') => Object.values(perTable).reduce((a, t) => a + t[key], 0);
      return {
        sourceCount: Math.max(
          sum('sourceCount'),
          prepared.reduce((a, b) => a + b, 0),
        ),
        targetCount: sum('targetCount'),
        skippedCount: sum('skippedCount'),
        errors,
        tables: perTable,
      };
    },
  };
  return importer;
}

/**
 * Inserts mapped rows into one table: a prepared multi-row INSERT per full chunk (and one for the
 * remainder), all of a batch in one transaction.
 */
export class BatchWriter {
  private columns: string[] | undefined;
  private readonly statements = new Map<number, BetterSqlite3Statement>();
  private perStatement = 1;
  private known: Set<string> | undefined;
  private readonly insert: (rows: TargetRow[]) => void;

  constructor(
    private readonly db: BetterSqlite3Database,
    private readonly table: string,
    columns: readonly string[] | undefined,
    private readonly onConflict: 'error' | 'ignore' | 'replace',
  ) {
    if (columns) this.setColumns([...columns]);
    this.insert = db.transaction((rows: TargetRow[]) => {
      const columns = this.columns!;
      const width = columns.length;
      for (let start = 0; start < rows.length; start += this.perStatement) {
        const chunk = Math.min(rows.length - start, this.perStatement);
        const params = new Array<unknown>(chunk * width);
        for (let r = 0; r < chunk; r++) {
          const row = rows[start + r]!;
          for (let k = 0; k < width; k++) params[r * width + k] = toSqlValue(row[columns[k]!], this.table, columns[k]!);
        }
        this.statement(chunk).run(params);
      }
    });
  }

  private setColumns(columns: string[]): void {
    if (columns.length === 0)
      throw new StrataError(ErrorCode.IMPORT_ROW_INVALID, `rows for ${this.table} have no columns`, {
        hint: 'map() must return an object with at least one column',
      });
    this.columns = columns;
    this.known = undefined;
    this.perStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns.length)));
  }

  private statement(rows: number): BetterSqlite3Statement {
    let statement = this.statements.get(rows);
    if (!statement) {
      const columns = this.columns!;
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      const verb = this.onConflict === 'ignore' ? 'INSERT OR IGNORE' : this.onConflict === 'replace' ? 'INSERT OR REPLACE' : 'INSERT';
      const sql = `${verb} INTO ${quoteIdentifier(this.table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
      try {
        statement = this.db.prepare(sql);
      } catch (error) {
        throw new StrataError(ErrorCode.IMPORT_ROW_INVALID, `cannot insert into ${this.table} (${columns.join(', ')}): ${messageOf(error)}`, {
          hint: 'the mapped rows must use the columns of the target table (check the schema migrations ran)',
          cause: error,
          details: { table: this.table, columns },
        });
      }
      this.statements.set(rows, statement);
    }
    return statement;
  }

  /** One transaction; `where` names the rows in errors. */
  write(rows: TargetRow[], where: string): void {
    if (rows.length === 0) return;
    if (!this.columns) this.setColumns(Object.keys(rows[0]!));
    const known = (this.known ??= new Set(this.columns));
    for (const row of rows) {
      for (const key in row) {
        if (!known.has(key) && Object.hasOwn(row, key)) {
          throw new StrataError(
            ErrorCode.IMPORT_ROW_INVALID,
            `${where}: a mapped row for ${this.table} has column "${key}", not among ${this.columns!.join(', ')}`,
            {
              hint: 'map() must return the same columns for every row (use null for a missing value), or pass columns',
              details: { table: this.table, column: key },
            },
          );
        }
      }
    }
    try {
      this.insert(rows);
    } catch (error) {
      if (error instanceof StrataError) throw error;
      throw new StrataError(ErrorCode.IMPORT_FAILED, `${where}: inserting into ${this.table} failed: ${messageOf(error)}`, {
        hint: 'this batch was rolled back; fix the mapping or the data',
        cause: error,
        details: { table: this.table },
      });
    }
  }
}

/** A value SQLite can bind: booleans as 0/1, dates as ISO strings, objects and arrays as JSON, binary as blobs. */
export function toSqlValue(value: unknown, table = '', column = ''): unknown {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'boolean':
      return value ? 1 : 0;
    case 'string':
    case 'number':
    case 'bigint':
      return value;
    case 'object':
      if (value === null || Buffer.isBuffer(value)) return value;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (value instanceof ArrayBuffer) return Buffer.from(value);
      return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    default:
      throw new StrataError(ErrorCode.IMPORT_ROW_INVALID, `${table}.${column}: a ${typeof value} cannot be stored`, {
        hint: 'map it to a string, number, boolean, date, object or binary value',
      });
  }
}
