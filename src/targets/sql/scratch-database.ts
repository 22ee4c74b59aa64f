/**
 * Scratch databases for `strata drift`: an empty database of the same dialect to replay the
 * applied history into, so the live database is never touched and never reset. Each dialect
 * says where its scratch lives (`Dialect.scratch`): SQLite and PGlite in memory, PostgreSQL and
 * MySQL/MariaDB a new database on the same server (same version, same catalog output, so a
 * replay compares like with like), dropped afterwards, also when the replay failed.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import type { DatabaseSpec } from './database-spec.js';
import { redactUrl } from './server-url.js';

export interface ScratchDatabase {
  /** A `--db` value for it. */
  readonly db: string;
  /** For messages: where the replay runs. */
  readonly description: string;
  /**
   * A statement that would reach the live database from the scratch one (MySQL's
   * `app.users` names a database); the replay refuses to run it. Absent: none can.
   */
  reachesLive?(sql: string): boolean;
  /** Drops it (a server database); nothing for one in memory. */
  dispose(): Promise<void>;
}

export const inMemoryScratch = (db: string, description: string) => async (): Promise<ScratchDatabase> => ({ db, description, dispose: async () => {} });

/**
 * A new database on the live one's server, named `strata_scratch_<random>` (so a leftover after
 * a killed process is recognisable), through the dialect's own CREATE / DROP DATABASE.
 */
export async function scratchOnServer(
  spec: DatabaseSpec,
  options: { reachesLive?: (liveName: string) => (sql: string) => boolean } = {},
): Promise<ScratchDatabase> {
  const url = new URL(spec.location);
  const liveName = decodeURIComponent(url.pathname.slice(1));
  url.pathname = `/strata_scratch_${randomBytes(6).toString('hex')}`;
  const admin = spec.dialect.admin?.(url.toString());
  if (!admin) throw new StrataError(ErrorCode.DRIVER_UNSUPPORTED, `Strata cannot create a scratch database beside ${spec.description}`);
  try {
    await admin.create();
  } catch (error) {
    throw new StrataError(
      ErrorCode.DRIFT_REPLAY_FAILED,
      `the replay needs a scratch database on the server of ${spec.description}, and creating one failed: ${messageOf(error)}`,
      {
        hint: 'the user in the URL needs the right to create (and drop) databases; the live database is never used for the replay',
        cause: error,
      },
    );
  }
  return {
    db: url.toString(),
    description: redactUrl(url.toString()),
    ...(options.reachesLive && liveName ? { reachesLive: options.reachesLive(liveName) } : {}),
    dispose: () => admin.drop(),
  };
}
