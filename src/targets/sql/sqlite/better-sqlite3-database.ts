/**
 * better-sqlite3's Database and Statement as Strata uses them, typed here rather than imported
 * from `@types/better-sqlite3`: Strata's public `.d.ts` files must type-check in an app that has
 * better-sqlite3 but not its types (`skipLibCheck: false`), without an `any` that would accept
 * `{ db: 12345 }`. A better-sqlite3 Database is assignable to `BetterSqlite3Database`; the members
 * are those of better-sqlite3 12 that Strata and importers call, with the same signatures.
 */

export interface BetterSqlite3RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface BetterSqlite3ColumnDefinition {
  name: string;
  column: string | null;
  table: string | null;
  database: string | null;
  type: string | null;
}

export interface BetterSqlite3Statement<BindParameters extends unknown[] = unknown[], Result = unknown> {
  database: BetterSqlite3Database;
  source: string;
  reader: boolean;
  readonly: boolean;
  busy: boolean;
  run(...params: BindParameters): BetterSqlite3RunResult;
  get(...params: BindParameters): Result | undefined;
  all(...params: BindParameters): Result[];
  iterate(...params: BindParameters): IterableIterator<Result>;
  pluck(toggleState?: boolean): this;
  expand(toggleState?: boolean): this;
  raw(toggleState?: boolean): this;
  bind(...params: BindParameters): this;
  columns(): BetterSqlite3ColumnDefinition[];
  safeIntegers(toggleState?: boolean): this;
}

/** Written as better-sqlite3's types write it (not `Parameters<F>`), so that TypeScript relates the two Transaction types. */
export type ArgumentsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** `db.transaction(fn)`: the wrapped function, and its variants by BEGIN mode. */
export interface BetterSqlite3Transaction<F extends (...params: never[]) => unknown> {
  (...params: ArgumentsOf<F>): ReturnType<F>;
  default(...params: ArgumentsOf<F>): ReturnType<F>;
  deferred(...params: ArgumentsOf<F>): ReturnType<F>;
  immediate(...params: ArgumentsOf<F>): ReturnType<F>;
  exclusive(...params: ArgumentsOf<F>): ReturnType<F>;
}

export interface BetterSqlite3FunctionOptions {
  varargs?: boolean | undefined;
  deterministic?: boolean | undefined;
  safeIntegers?: boolean | undefined;
  directOnly?: boolean | undefined;
}

export interface BetterSqlite3Database {
  memory: boolean;
  readonly: boolean;
  name: string;
  open: boolean;
  inTransaction: boolean;
  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    source: string,
  ): BindParameters extends unknown[] ? BetterSqlite3Statement<BindParameters, Result> : BetterSqlite3Statement<[BindParameters], Result>;
  transaction<F extends (...params: never[]) => unknown>(fn: F): BetterSqlite3Transaction<F>;
  exec(source: string): this;
  pragma(source: string, options?: { simple?: boolean | undefined }): unknown;
  function(name: string, fn: (...params: never[]) => unknown): this;
  function(name: string, options: BetterSqlite3FunctionOptions, fn: (...params: never[]) => unknown): this;
  backup(
    destinationFile: string,
    options?: { progress: (info: { totalPages: number; remainingPages: number }) => number },
  ): Promise<{ totalPages: number; remainingPages: number }>;
  close(): this;
}
