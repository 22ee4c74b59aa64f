/**
 * A SQL driver that lets a tracer look at the database right before and right after each
 * migration statement, on the statement's own connection (so inside its transaction: what a
 * PostgreSQL session holds in `pg_locks`, what SQLite's temporary triggers counted). The engine
 * runs unchanged on top of it: the `statement` event arms the wrapper, and the next `exec` is
 * that statement (the ledger's own writes go through other calls and are not traced).
 */
import type { EngineEvents } from '../engine/events.js';
import type { SqlDriver } from '../targets/sql/driver.js';

/** A migration statement as the engine announced it. */
export type AnnouncedStatement = EngineEvents['statement'];

export interface StatementHooks {
  before(statement: AnnouncedStatement): Promise<void>;
  /** Runs the statement in place of a plain `exec` (MySQL tries each algorithm); absent: `exec`. */
  run?(statement: AnnouncedStatement, exec: (sql: string) => Promise<void>): Promise<void>;
  /** After it succeeded, with its wall time. */
  after(statement: AnnouncedStatement, durationMs: number): Promise<void>;
  /** A transaction the engine opened ended (committed or rolled back): locks are released now. */
  transactionEnded?(): void;
}

export interface TracingDriver<C> {
  driver: SqlDriver<C>;
  /** Listens to the migrator's `statement` event: the next `exec` of that text is the statement. */
  announce(statement: AnnouncedStatement): void;
}

/** The driver, with `exec` traced for announced statements; everything else passes through. */
export function tracingDriver<C>(driver: SqlDriver<C>, hooks: StatementHooks): TracingDriver<C> {
  let armed: AnnouncedStatement | undefined;
  const exec = async (sql: string): Promise<void> => {
    const statement = armed && armed.sql === sql ? armed : undefined;
    armed = undefined;
    if (!statement) return driver.exec(sql);
    await hooks.before(statement);
    const started = performance.now();
    if (hooks.run) await hooks.run(statement, (text) => driver.exec(text));
    else await driver.exec(sql);
    await hooks.after(statement, performance.now() - started);
  };
  const ended = async (end: () => Promise<void>) => {
    try {
      await end();
    } finally {
      hooks.transactionEnded?.();
    }
  };
  const overrides: Partial<SqlDriver<C>> = {
    exec,
    commit: () => ended(() => driver.commit()),
    rollback: () => ended(() => driver.rollback()),
    rollbackIfOpen: async () => {
      const open = await driver.rollbackIfOpen();
      if (open) hooks.transactionEnded?.();
      return open;
    },
    // The trace owns the connection: the migrator built on it must not close it under the tracer.
    close: async () => undefined,
  };
  const traced = new Proxy(driver, {
    get(target, property) {
      if (property in overrides) return overrides[property as keyof SqlDriver<C>];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    driver: traced,
    announce: (statement) => {
      armed = statement;
    },
  };
}
