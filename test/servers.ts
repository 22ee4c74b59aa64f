/**
 * The database servers of the test machine: PostgreSQL and MariaDB on their default ports.
 * A suite that needs one gets a fresh database, dropped when the test file ends. Without the
 * server, a laptop run skips the suite with one line saying why; under CI it fails instead.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { after } from 'node:test';

export type ServerKind = 'postgres' | 'mariadb';

export const SERVER_URLS: Record<ServerKind, string> = {
  postgres: process.env.STRATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mariadb: process.env.STRATA_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test',
};

const availability = new Map<ServerKind, Promise<string | undefined>>();

/** undefined when the server answers; otherwise why not. */
export function serverProblem(kind: ServerKind): Promise<string | undefined> {
  let known = availability.get(kind);
  if (!known) {
    known = (kind === 'postgres' ? pingPostgres() : pingMariadb()).then(
      () => undefined,
      (error: unknown) => `${kind} at ${SERVER_URLS[kind]} is not reachable (${(error as Error).message})`,
    );
    availability.set(kind, known);
  }
  return known;
}

/**
 * The `skip` option for a suite: false when the server is up; a reason (printed once by the
 * runner) when it is down on a developer's machine. Under CI=true a missing server throws.
 */
export async function skipUnlessServer(kind: ServerKind): Promise<false | string> {
  const problem = await serverProblem(kind);
  if (!problem) return false;
  if (process.env.CI === 'true') throw new Error(`CI needs ${kind}: ${problem}`);
  return `${problem}; start it to run these tests`;
}

let counter = 0;
const dropAtEnd: (() => Promise<void>)[] = [];
after(async () => {
  // At once: each DROP DATABASE makes PostgreSQL checkpoint (about a second here), and drops
  // that wait together share one checkpoint (18 drops: 18 s one by one, 0.3 s at once).
  await Promise.all(dropAtEnd.splice(0).map((drop) => drop().catch(() => undefined)));
});

/** A new, empty database on the server; its URL. Dropped when the test file ends. */
export async function freshDatabase(kind: ServerKind, label = 'strata'): Promise<string> {
  const name = `${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase();
  const url = new URL(SERVER_URLS[kind]);
  if (kind === 'postgres') {
    await withPostgres(async (client) => void (await client.query(`CREATE DATABASE "${name}"`)));
    dropAtEnd.push(() => withPostgres(async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))));
  } else {
    await withMariadb(async (conn) => void (await conn.query(`CREATE DATABASE \`${name}\``)));
    dropAtEnd.push(() => withMariadb(async (conn) => void (await conn.query(`DROP DATABASE IF EXISTS \`${name}\``))));
  }
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` on a connection to `url` (the server's default database unless given). */
export async function withPostgres<T>(fn: (client: pg.Client) => Promise<T>, url = SERVER_URLS.postgres): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function withMariadb<T>(fn: (conn: mysql.Connection) => Promise<T>, url = SERVER_URLS.mariadb): Promise<T> {
  const conn = await mysql.createConnection({ uri: url.replace(/^mariadb:/, 'mysql:'), dateStrings: true });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

async function pingPostgres(): Promise<void> {
  await withPostgres((client) => client.query('SELECT 1'));
}

async function pingMariadb(): Promise<void> {
  await withMariadb((conn) => conn.query('SELECT 1'));
}
