/**
 * pg's Client as Strata's public types show it (`PostgresDriver.connection`, a code migration's
 * `ctx.connection`), typed here rather than imported from `@types/pg`: `pg` is an optional peer,
 * and Strata's `.d.ts` files must type-check in an app without it (`skipLibCheck: false`). A pg
 * Client is assignable to it; for pg's own types, `ctx.connection as pg.Client`.
 */
export interface PgQueryResult<Row> {
  rows: Row[];
  rowCount: number | null;
  command: string;
}

export interface PgClient {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<PgQueryResult<Row>>;
  /** 'I' idle, 'T' in a transaction, 'E' in a failed one (pg 8.21+; null on pg-native). */
  getTransactionStatus(): string | null;
  end(): Promise<void>;
}
