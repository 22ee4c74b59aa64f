/**
 * mysql2's promise Connection as Strata's public types show it (`MysqlDriver.connection`, a code
 * migration's `ctx.connection`), typed here rather than imported from mysql2: mysql2 is an
 * optional peer, and Strata's `.d.ts` files must type-check in an app without it
 * (`skipLibCheck: false`). A mysql2 Connection is assignable to it; `ctx.query<T>()` gives typed
 * rows, and `ctx.connection as mysql.Connection` mysql2's own types.
 */
export interface MysqlConnection {
  /** `[rows or a result header, fields]`, as mysql2 returns it; T says which. */
  query<T = unknown>(sql: string, values?: unknown): Promise<[T, unknown]>;
  execute<T = unknown>(sql: string, values?: unknown): Promise<[T, unknown]>;
  end(): Promise<void>;
}
