/**
 * A scratch copy of a server database for `strata trace`, on the same server (same version, same
 * planner, same locks), named `strata_trace_<random>` so a leftover after a killed process is
 * recognisable, and dropped afterwards, also when the trace failed.
 * - PostgreSQL: `CREATE DATABASE ... TEMPLATE live`, a file-level copy and the fastest; the
 *   server refuses it while any other session is connected to the live database (55006), and
 *   the copy is then made with pg_dump / pg_restore (one consistent snapshot; writers go on).
 * - MySQL/MariaDB: mysqldump / mysql (the whole database, rows included: what a DDL statement
 *   does, and whether it copies the table, depends on the table as it is).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { PostgresDriver } from '../targets/sql/postgres/postgres-driver.js';
import { MysqlDriver } from '../targets/sql/mysql/mysql-driver.js';
import type { EngineRun } from './engine-run.js';
import type { TracedStatement, TraceReport } from './trace-report.js';

export interface ScratchCopy {
  /** A URL to the copy (with the live URL's credentials). */
  url: string;
  /** How it was made, for the report. */
  how: string;
  /** Drops it; never throws (a leftover is named strata_trace_*). */
  dispose(): Promise<void>;
}

const quotePg = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteMysql = (name: string) => `\`${name.replace(/`/g, '``')}\``;

export async function scratchCopy(spec: DatabaseSpec): Promise<ScratchCopy> {
  const live = new URL(spec.location);
  const liveName = decodeURIComponent(live.pathname.slice(1));
  const name = `strata_trace_${randomBytes(6).toString('hex')}`;
  const url = new URL(live);
  url.pathname = `/${name}`;
  const family = spec.dialect.family;
  const server = new URL(live);
  server.pathname = family === 'postgres' ? '/postgres' : '/';
  const onServer = (): SqlDriver => (family === 'postgres' ? new PostgresDriver(server.toString()) : new MysqlDriver(server.toString()));
  const maintenance = async (sql: string) => {
    const driver = onServer();
    try {
      await driver.connect('write');
      await driver.exec(sql);
    } finally {
      await driver.close();
    }
  };
  const quote = family === 'postgres' ? quotePg : quoteMysql;
  const dispose = async () => {
    const force = family === 'postgres' ? ' WITH (FORCE)' : '';
    await maintenance(`DROP DATABASE IF EXISTS ${quote(name)}${force}`).catch(() => undefined);
  };
  if (family === 'postgres') {
    try {
      await maintenance(`CREATE DATABASE ${quotePg(name)} TEMPLATE ${quotePg(liveName)}`);
      return { url: url.toString(), how: `template database ${name} (dropped afterwards)`, dispose };
    } catch (error) {
      // 55006: "source database is being accessed by other users": copy it by dump and restore instead.
      if ((error as { code?: string }).code !== '55006') throw copyFailed(spec, error);
      await dispose();
    }
  }
  const folder = mkdtempSync(join(tmpdir(), 'strata-trace-'));
  try {
    const dump = join(folder, 'live.dump');
    const provider = spec.backupProvider();
    await provider.snapshot(dump);
    await provider.restoreTo(dump, url.toString());
  } catch (error) {
    await dispose();
    throw copyFailed(spec, error);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  const tool = family === 'postgres' ? 'pg_dump/pg_restore (other sessions were connected, so no template copy)' : 'mysqldump';
  return { url: url.toString(), how: `${tool} into ${name} (dropped afterwards)`, dispose };
}

function copyFailed(spec: DatabaseSpec, error: unknown): StrataError {
  return new StrataError(ErrorCode.TRACE_UNSUPPORTED, `the trace needs a scratch copy of ${spec.description}, and making one failed: ${messageOf(error)}`, {
    hint: 'the user in the URL needs the right to create and drop databases (and, without a template copy, the pg_dump/mysqldump client tools); the live database is never changed',
    cause: error,
  });
}

/** A server trace's report (PostgreSQL, MySQL): the statements as traced; rows are counted on SQLite only. */
export function serverTraceReport(
  dialect: 'postgres' | 'mysql',
  spec: DatabaseSpec,
  scratch: ScratchCopy,
  run: EngineRun,
  statements: TracedStatement[],
  started: number,
): TraceReport {
  return {
    dialect,
    target: spec.description,
    copy: scratch.how,
    mode: 'engine',
    steps: run.steps,
    statements,
    tables: [],
    rowsLost: 0,
    ...(run.failure ? { failure: run.failure } : {}),
    durationMs: performance.now() - started,
  };
}
