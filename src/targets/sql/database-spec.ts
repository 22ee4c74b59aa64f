/**
 * DRAFT (to be completed by the dialect work of issue 13): one database, resolved once. Every
 * consumer (the migrator, the journal, backfills, backups, the CLI) takes a spec instead of
 * turning a `db` string into a connection its own way.
 */
import type { BackupProvider } from '../../backup/providers/backup-provider.js';
import type { Dialect } from './dialect.js';
import type { SqlDriver } from './driver.js';

/** A table of Strata's own, as given (`app.strata_migrations`) and quoted for the dialect. */
export interface QualifiedName {
  readonly name: string;
  readonly sql: string;
}

export interface DatabaseSpec {
  readonly dialect: Dialect;
  /** For messages and manifests: `sqlite:/abs/app.db`, a URL without its password. */
  readonly description: string;
  /** What the dialect opens: an absolute file path, `:memory:`, a folder, or a URL. */
  readonly location: string;
  /** PostgreSQL-family: the schema migrations run in. */
  readonly schema: string | undefined;
  readonly tables: { readonly ledger: QualifiedName; readonly journal: QualifiedName; readonly backfill: QualifiedName };
  /** A new driver (connection) to this database each call. */
  openDriver(): SqlDriver;
  /** How to back it up; throws BACKUP_UNSUPPORTED (never skips silently) when it has none. */
  backupProvider(): BackupProvider;
}
