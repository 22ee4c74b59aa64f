/**
 * Every command of the `strata` CLI and the options each one takes, as data. Parsing, `--help`,
 * `strata help <command>` and the CLI reference in the docs all read this one table, so they
 * cannot disagree: an option a command's help does not list is an error on that command.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** The value's placeholder in help: `--db <path|url>`. */
  value?: string;
  short?: string;
  multiple?: boolean;
  /** Other spellings that mean this option on this command (old names kept working). */
  aliases?: readonly string[];
}

export interface CommandSpec {
  summary: string;
  usage: string;
  /** At most this many positional arguments. */
  positionals: number;
  /** More about the command (what it checks, its exit codes), printed under the summary. */
  details?: string;
  options: Readonly<Record<string, OptionSpec>>;
}

/** Taken by every command. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', description: 'machine-readable output: one JSON document on stdout' },
  quiet: { type: 'boolean', short: 'q', description: 'print nothing but errors' },
  verbose: { type: 'boolean', description: 'stack traces and more detail on errors' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
} as const satisfies Record<string, OptionSpec>;

/** Taken without a command: `strata --version`. */
export const TOP_LEVEL_OPTIONS = {
  version: { type: 'boolean', short: 'v', description: "print strata's version" },
} as const satisfies Record<string, OptionSpec>;

/** Which database: the commands that open one take these. */
const DATABASE = {
  db: {
    type: 'string',
    description: 'SQLite path, or a sqlite:, postgres://, mysql:// or mariadb:// URL (default: $DATABASE_URL, then the config\'s "db", then ./strata.db)',
    value: 'path|url',
  },
  config: { type: 'string', description: 'config file (default: strata.config.{ts,mts,js,mjs,json} in this folder)', value: 'file' },
  database: {
    type: 'string',
    multiple: true,
    description: "the config's database(s) to work on, by name (repeatable or a,b)",
    value: 'name',
  },
} as const satisfies Record<string, OptionSpec>;

const SCHEMA = {
  schema: { type: 'string', description: 'PostgreSQL: the schema to migrate (created if missing; holds the ledger)', value: 'name' },
} as const satisfies Record<string, OptionSpec>;

const SESSION = {
  'statement-timeout': { type: 'string', description: "PostgreSQL: the session's statement_timeout (ms or e.g. 30s)", value: 'ms' },
  'db-lock-timeout': { type: 'string', description: "PostgreSQL: the session's lock_timeout, how long a statement waits for a table lock", value: 'ms' },
} as const satisfies Record<string, OptionSpec>;

const MIGRATIONS = {
  dir: { type: 'string', description: 'migrations folder (default ./migrations)', value: 'folder' },
  format: {
    type: 'string',
    description: "the folder's layout: strata, flyway, goose, prisma, drizzle, sqlx, d1 or atlas (default: detected)",
    value: 'name',
  },
  table: { type: 'string', description: 'ledger table (default strata_migrations)', value: 'name' },
  var: { type: 'string', multiple: true, description: 'a value for a placeholder in SQL files (repeatable; overrides the config)', value: 'name=value' },
} as const satisfies Record<string, OptionSpec>;

const LOCK = {
  'lock-timeout': { type: 'string', description: 'ms to wait for another migration to finish (default 60000)', value: 'ms' },
} as const satisfies Record<string, OptionSpec>;

const POLICY = {
  'allow-changed': { type: 'boolean', description: 'proceed although applied migrations were edited' },
  'allow-missing': { type: 'boolean', description: 'proceed although applied migrations have no file' },
  'allow-out-of-order': { type: 'boolean', description: 'apply pending migrations older than the current version' },
} as const satisfies Record<string, OptionSpec>;

const BACKUP = {
  'backup-dir': { type: 'string', description: 'backups folder (default: backups/ beside the database)', value: 'folder' },
  compress: { type: 'string', description: 'compress new backups at this level, 1 (fast) to 9 (small)', value: 'level' },
  'compress-codec': {
    type: 'string',
    description: 'gzip (default) or zstd (needs Node 22.15 or later; faster and smaller)',
    value: 'codec',
  },
  'backup-check': {
    type: 'string',
    description: 'how new backups are checked: structure (default: opens, sha256) or full (also reads every page: integrity_check)',
    value: 'level',
  },
  encrypt: { type: 'boolean', description: 'encrypt new backups (AES-256-GCM; key from $STRATA_BACKUP_KEY unless --key-file / --passphrase-env)' },
  'key-file': { type: 'string', description: 'file holding the 32-byte backup key (hex, base64 or raw)', value: 'path' },
  'key-env': { type: 'string', description: 'environment variable holding the backup key (default STRATA_BACKUP_KEY)', value: 'name' },
  'passphrase-env': { type: 'string', description: 'environment variable holding a backup passphrase (scrypt)', value: 'name' },
  'keep-days': { type: 'string', description: 'retention: remove backups older than N days (default 30)', value: 'N' },
  'keep-count': { type: 'string', description: 'retention: keep at most N backups (default 10)', value: 'N' },
} as const satisfies Record<string, OptionSpec>;

/** `migrate` / `rollback`: write the schema dump after a successful run (over the config's "dumpSchema"). */
const DUMP_SCHEMA = {
  'dump-schema': { type: 'string', description: 'after a successful run, write the schema dump (strata schema dump) to this file', value: 'path' },
} as const satisfies Record<string, OptionSpec>;

const NO_BACKUP = {
  'no-backup': { type: 'boolean', description: 'do not back up the database before this run' },
} as const satisfies Record<string, OptionSpec>;

const DRY_RUN = {
  type: 'boolean',
  description: 'print the plan and every SQL statement, in the order they would run; change nothing',
} as const satisfies OptionSpec;

/** What a command that changes the database by migrations reads. */
const RUN = { ...DATABASE, ...SCHEMA, ...SESSION, ...MIGRATIONS, ...LOCK } as const;

export const COMMANDS = {
  init: {
    summary: 'start a project: a config file, the migrations folder, .gitignore lines',
    usage: 'strata init [--db PATH|URL] [--dir FOLDER] [--format ts|json]',
    positionals: 0,
    details:
      'Writes a config with "db" and "dir" (never over an existing one): strata.config.ts using defineConfig() when this folder can load it (strata-migrate installed here, and tsx or Node 22.18+), else strata.config.json. Creates the migrations folder, and adds the database, its -wal/-shm and backups/ to .gitignore (lines already there are not added again).',
    options: {
      db: { type: 'string', description: 'the database the config names (default ./strata.db)', value: 'path|url' },
      dir: { type: 'string', description: 'the migrations folder (default ./migrations)', value: 'folder' },
      format: { type: 'string', description: 'the config file to write: ts (strata.config.ts, typed by defineConfig) or json', value: 'ts|json' },
    },
  },
  migrate: {
    summary: 'apply pending migrations',
    usage: 'strata migrate [--to V] [--dry-run] [--single-transaction] [--resume]',
    positionals: 0,
    options: {
      to: { type: 'string', description: 'apply up to and including version V', value: 'V' },
      'dry-run': DRY_RUN,
      'single-transaction': { type: 'boolean', description: 'apply the whole run in one transaction (all or nothing)' },
      resume: { type: 'boolean', description: 'continue a step that failed outside a transaction from its failed statement (after fixing it), then the rest' },
      drift: { type: 'string', description: 'when the schema changed outside the migrations: error (refuse), warn (default) or off (no check)', value: 'mode' },
      trace: {
        type: 'boolean',
        description: 'first apply the pending migrations to a copy (strata trace) and stop, changing nothing, if they lose rows there',
      },
      ...RUN,
      ...DUMP_SCHEMA,
      ...POLICY,
      ...NO_BACKUP,
      ...BACKUP,
    },
  },
  rollback: {
    summary: 'roll back the last migration, the last N, or down to version V (0 = everything)',
    usage: 'strata rollback [V | --to V] [--steps N] [--from-ledger] [--dry-run]',
    positionals: 1,
    details:
      "--from-ledger: steps whose files this build does not have (a database migrated by a newer build) are reverted with the down SQL their ledger rows kept, each only when the schema's fingerprint is still the one its row recorded.",
    options: {
      to: { type: 'string', description: 'roll back to version V (the same as the positional V)', value: 'V' },
      steps: { type: 'string', description: 'roll back the last N migrations', value: 'N' },
      'from-ledger': { type: 'boolean', description: 'revert steps without a file here with the down SQL kept in their ledger rows' },
      'dry-run': DRY_RUN,
      ...RUN,
      ...DUMP_SCHEMA,
      'allow-changed': POLICY['allow-changed'],
      ...NO_BACKUP,
      ...BACKUP,
    },
  },
  baseline: {
    summary: 'record every migration up to V as applied without running it, for a database whose schema already is at V',
    usage: 'strata baseline V [--dry-run] [--json]',
    positionals: 1,
    details:
      "Runs the verify section (-- migrate:verify, verify(ctx)) of every migration it would record first, and records nothing when one fails (all failures are listed). Refuses when the ledger already holds rows after V. The rows say operation 'baseline'; status shows them as 'applied (baseline)'.",
    options: {
      'dry-run': { type: 'boolean', description: 'run the verifies and show what would be recorded; record nothing' },
      ...RUN,
    },
  },
  redo: {
    summary: 'roll back the last applied migration and apply it again',
    usage: 'strata redo [--no-backup]',
    positionals: 0,
    details: 'Two runs in one command, each as it runs alone: the rollback (with its backup first), then migrate up to that version (with its own).',
    options: { ...RUN, 'allow-changed': POLICY['allow-changed'], ...NO_BACKUP, ...BACKUP },
  },
  status: {
    summary: 'show each migration and its state',
    usage: 'strata status [--exit-code] [--json]',
    positionals: 0,
    details: 'Exit status: 0, or with --exit-code: 0 up to date, 3 migrations pending, 1 any failed, running, changed or missing (a gate for CI).',
    options: {
      'exit-code': { type: 'boolean', description: 'exit 0 when up to date, 3 when migrations are pending, 1 when any is failed, running, changed or missing' },
      ...DATABASE,
      ...SCHEMA,
      ...SESSION,
      ...MIGRATIONS,
    },
  },
  validate: {
    summary: 'check checksums, files, order and the database integrity; exit 0 only if all hold',
    usage: 'strata validate [--json]',
    positionals: 0,
    details:
      "Checks that applied files are unchanged and present, that no pending migration is older than the current version, the database's own integrity checks (which ones depends on the database; the output names those that ran), and each applied migration's verify. Pending migrations are fine. Exit status: 0 valid, 1 not valid.",
    options: { ...DATABASE, ...SCHEMA, ...SESSION, ...MIGRATIONS, ...POLICY },
  },
  create: {
    summary: 'scaffold the next migration file',
    usage: 'strata create NAME [--sql|--ts] [--timestamp]',
    positionals: 1,
    options: {
      sql: { type: 'boolean', description: 'a .sql file with -- migrate:up / -- migrate:down (default)' },
      ts: { type: 'boolean', description: 'a TypeScript module exporting up(ctx) and down(ctx)' },
      timestamp: { type: 'boolean', description: 'version it with a UTC timestamp (YYYYMMDDHHMMSS), even in a sequentially numbered folder' },
      dir: MIGRATIONS.dir,
      format: MIGRATIONS.format,
      config: DATABASE.config,
      database: DATABASE.database,
    },
  },
  repair: {
    summary: 'record what happened to a step that failed outside a transaction, or accept edited files',
    usage: 'strata repair V --applied | --rolled-back    |    strata repair --checksums',
    positionals: 1,
    options: {
      applied: { type: 'boolean', description: "the migration's changes are in the database: mark it applied" },
      'rolled-back': { type: 'boolean', description: 'they are not (or were undone by hand): remove it from the ledger, it becomes pending' },
      checksums: { type: 'boolean', description: "set the ledger's checksums to the current files' (after intended edits)" },
      ...RUN,
    },
  },
  backup: {
    summary: 'back up the database, or list (newest first), verify, restore, delete and prune its backups',
    usage: 'strata backup create [--description TEXT] | list | verify ID | restore ID [--to PATH] | delete ID | prune',
    positionals: 2,
    options: {
      description: { type: 'string', description: 'create: what this backup is for', value: 'text' },
      to: { type: 'string', description: 'restore: write the database to this new path instead of replacing it', value: 'path' },
      ...DATABASE,
      ...SCHEMA,
      table: MIGRATIONS.table,
      ...BACKUP,
      ...LOCK,
    },
  },
  db: {
    summary: 'create or drop the database itself (a SQLite file, or a PostgreSQL/MySQL database on its server)',
    usage: 'strata db create | strata db drop --force',
    positionals: 1,
    details:
      "create: a server URL's database is created through the server's maintenance database (postgres on PostgreSQL); a SQLite file is created empty. Nothing happens when it exists. drop: removes it (a SQLite file with its -wal, -shm and -journal); refused without --force.",
    options: {
      force: { type: 'boolean', description: 'drop: yes, drop it (with everything in it)' },
      ...DATABASE,
    },
  },
  import: {
    summary: 'import legacy data (Dexie exports, Redux Persist, JSON config and arrays) into the database, as a config file says',
    usage: 'strata import <config.json|config.ts> [--dry-run] [--force] [--no-backup] [--json]',
    positionals: 1,
    options: {
      'dry-run': { type: 'boolean', description: "run every importer's prepare and print the counts; change nothing" },
      force: { type: 'boolean', description: 'run an import that already completed again (from a clean target)' },
      db: { type: 'string', description: 'the target database, over the import config\'s "db"', value: 'path|url' },
      ...NO_BACKUP,
      ...BACKUP,
    },
  },
  backfill: {
    summary: 'run (or resume) a batched, resumable data migration over a table, or list backfills',
    usage:
      'strata backfill NAME --on TABLE --set "col = expr" [--where COND] [--key id] [--batch-size N] [--delay-ms N] | strata backfill FILE.ts | strata backfill --status',
    positionals: 1,
    options: {
      on: { type: 'string', description: 'the table to walk', value: 'table', aliases: ['table'] },
      set: { type: 'string', description: 'the assignments of each batch\'s UPDATE, e.g. "email_lower = lower(email)"', value: 'sql' },
      statement: { type: 'string', description: 'or a statement run per batch, with :keys, :first, :last', value: 'sql' },
      where: { type: 'string', description: 'only rows matching this SQL condition', value: 'sql' },
      key: { type: 'string', description: 'the column walked, unique and indexed (default id)', value: 'column' },
      'batch-size': { type: 'string', description: 'rows per batch and per transaction (default 100)', value: 'N' },
      'delay-ms': { type: 'string', description: 'pause between batches (default 0)', value: 'ms' },
      restart: { type: 'boolean', description: 'start over from the first key, even if it completed' },
      status: { type: 'boolean', description: "list every backfill's checkpoint (done, total, last key, status)" },
      ...DATABASE,
      ...SCHEMA,
    },
  },
  log: {
    summary: 'show the migration journal (every run, step, failure, backup and its metrics), or export it',
    usage: 'strata log [--level L] [--since T] [--until T] [--migration V] [--run ID] [--limit N] [--export json|csv]',
    positionals: 0,
    details: 'The journal is off unless the config says "journal": true or STRATA_JOURNAL=1 is set when migrations run.',
    options: {
      level: { type: 'string', description: 'the lowest level shown: DEBUG, INFO, WARN or ERROR', value: 'L' },
      since: { type: 'string', description: 'entries at or after T (an ISO date/time, or 30m, 2h, 7d ago)', value: 'T' },
      until: { type: 'string', description: 'entries at or before T', value: 'T' },
      migration: { type: 'string', description: "one migration's entries, by version", value: 'V' },
      run: { type: 'string', description: "one run's entries, by run id", value: 'ID' },
      limit: { type: 'string', description: 'the newest N entries', value: 'N' },
      export: { type: 'string', description: 'print the entries as json or csv', value: 'json|csv' },
      'journal-file': { type: 'string', description: "a document store's JSON-lines journal instead of the database's", value: 'path' },
      ...DATABASE,
      schema: { type: 'string', description: 'PostgreSQL: the schema holding the journal', value: 'name' },
    },
  },
  adopt: {
    summary: "take over another tool's migration history (dbmate, golang-migrate, goose, flyway, prisma, drizzle, sqlx, d1, atlas...)",
    usage: 'strata adopt --from TOOL [--dir D] [--table T] [--dry-run] [--json]',
    positionals: 0,
    details:
      "Reads the tool's ledger table and its migrations folder, checks them against each other (every applied step has its file, stored checksums still match, no step is unfinished) and records the history in Strata's ledger, each row marked with the tool it came from. Runs no migration and leaves the tool's ledger as it is; running it again changes nothing. Afterwards it prints the config lines that point Strata at the folder.",
    options: {
      from: { type: 'string', description: 'the tool whose history to take over', value: 'tool' },
      dir: { type: 'string', description: "the tool's migrations folder (default: the tool's own default, e.g. db/migrations for dbmate)", value: 'folder' },
      'tool-table': { type: 'string', description: "the tool's ledger table, when it is not the tool's default name", value: 'name', aliases: ['table'] },
      'dry-run': { type: 'boolean', description: 'check everything and print the rows it would write; write nothing' },
      ...DATABASE,
      ...SCHEMA,
      ...SESSION,
      ...LOCK,
    },
  },
  schema: {
    summary: 'dump the schema as deterministic, normalised DDL ending with the applied versions (for review in git)',
    usage: 'strata schema dump [--out schema.sql] [--json]',
    positionals: 1,
    details:
      "Reads the database's catalog (Strata's own tables left out) and prints the schema as DDL in dependency order, then the applied versions as comments; the same database gives a byte-identical file. --out writes it atomically. The config's \"dumpSchema\" (or migrate --dump-schema PATH) writes it after every successful migrate and rollback.",
    options: {
      out: { type: 'string', description: 'write the dump to this file (atomically) instead of printing it', value: 'path' },
      ...DATABASE,
      ...SCHEMA,
      ...SESSION,
      table: MIGRATIONS.table,
    },
  },
  drift: {
    summary: 'check that the schema is still what the applied migrations built; report what changed, or adopt it as a migration',
    usage: 'strata drift [--json] | strata drift --adopt NAME',
    positionals: 0,
    details:
      "Compares the schema's fingerprint with the one stored with the last applied migration (one catalog read); when they differ, or none is stored, replays the applied migrations into a scratch database (SQLite and PGlite in memory, a temporary database on a PostgreSQL or MySQL server, dropped after) and reports each table, column, index, key, constraint, view and trigger added, removed, changed or renamed. The live database is only read. --adopt writes the changes as a new migration and records it as applied. Exit status: 0 no drift (or adopted), 1 drift.",
    options: {
      adopt: {
        type: 'string',
        description: 'write the drift as a new migration file NAME (the DDL from the replayed schema to the live one) and record it as applied',
        value: 'NAME',
      },
      replay: { type: 'boolean', description: 'replay and compare even when the stored fingerprint matches' },
      ...RUN,
    },
  },
  trace: {
    summary: 'apply the pending migrations to a copy of the database and report what they did: rows lost by cascades, locks held, table rewrites',
    usage: 'strata trace [--to V] [--as-written] [--json]',
    positionals: 0,
    details:
      "The live database is only read. SQLite: a private copy (online backup), each statement's inserts, updates and deletes per table, told apart as the statement's own, a foreign key action's or a trigger's; per table rows before and after, rebuilds, indexes recreated and foreign_key_check. PostgreSQL: a scratch database (a template copy, or pg_dump/pg_restore when others are connected), each lock each statement holds and for how long, and the tables it rewrote. MySQL/MariaDB: a scratch database (mysqldump), whether each DDL statement runs INSTANT, INPLACE or COPY and whether it blocks writes. The scratch copy is dropped afterwards. Exit status: 0, or 1 when rows were lost that no statement deletes by name (TRACE_DATA_LOSS) or the migrations fail on the copy.",
    options: {
      to: { type: 'string', description: 'trace the pending migrations up to and including version V', value: 'V' },
      'as-written': {
        type: 'boolean',
        description:
          "SQLite: run each file's statements as written in one transaction, as drizzle-kit's migrator does (a PRAGMA foreign_keys in it is then a no-op)",
      },
      ...RUN,
      ...POLICY,
    },
  },
  lint: {
    summary: 'lint migrations for data loss, failed deploys and blocking locks before they run: the pending ones, or the files and folders named',
    usage: 'strata lint [FILES...] [--dialect sqlite|postgres|mysql] [--rule ID=severity] [--json | --format sarif]',
    positionals: 10000,
    details:
      'With no FILES: the pending migrations of the configured database, each linted against the schema the ones before it leave (read from the database, then replayed). FILES: migration files or folders in any layout Strata reads (its own, Flyway, goose, Prisma, drizzle-kit, sqlx, D1, Atlas); a folder is linted from its first file, a file after its folder\'s earlier files are replayed. Ignore a finding with \'-- strata-ignore RULE-ID: reason\' on the statement (or above the first statement, for the file). The config\'s "lint": { "rules": { ID: "error" | "warn" | "off" } } sets severities. Exit status: 0 no error finding (warnings allowed), 1 an error finding.',
    options: {
      dialect: { type: 'string', description: "the SQL of the files: sqlite, postgres or mysql (default: the configured database's)", value: 'name' },
      target: { type: 'string', description: 'where the files run when it changes the rules: d1 (Cloudflare D1)', value: 'd1' },
      rule: {
        type: 'string',
        multiple: true,
        description: "a rule's severity for this run, over the config (repeatable): error, warn or off",
        value: 'ID=severity',
      },
      format: {
        type: 'string',
        description: 'the output: text (default), json (as --json) or sarif (SARIF 2.1.0, for GitHub code scanning)',
        value: 'text|json|sarif',
      },
      'list-rules': { type: 'boolean', description: 'list every rule: ID, default severity, what it flags' },
      ...DATABASE,
      ...SCHEMA,
      ...SESSION,
      dir: MIGRATIONS.dir,
      table: MIGRATIONS.table,
    },
  },
  fleet: {
    summary: 'migrate a fleet of databases (a SQLite file or a PostgreSQL schema per tenant, a list of URLs) in stages, resumably; or show its versions',
    usage:
      "strata fleet migrate | status | validate | drift  --targets 'tenants/*.db' [--dir D] [--concurrency N] [--canary N] [--stages 1,10%,100%] [--resume]",
    positionals: 1,
    details:
      'Targets: --targets GLOB (SQLite files), --list a,b (paths or URLs), --targets-query SQL --control URL (first column), --schemas a,b or --schemas-query SQL on --db (PostgreSQL schema per tenant), --targets-module FILE, or the config\'s "fleet". Each target is migrated by the engine as it runs alone (its own lock, ledger, backup and restore); a failure in one never touches another. migrate journals the run in .strata/fleet/<run>.db; --resume goes on after a crash (finished targets skipped, those in flight checked against their own ledgers). status reads versions without migrating. Exit status: 0 all good; 1 a target failed, drifts, is invalid or cannot be read, or the rollout halted.',
    options: {
      targets: { type: 'string', multiple: true, description: 'a glob of SQLite files (repeatable)', value: 'glob' },
      list: { type: 'string', description: 'targets as a comma-separated list of paths or URLs', value: 'a,b' },
      'targets-query': { type: 'string', description: 'SQL on --control returning each target (first column)', value: 'sql' },
      control: { type: 'string', description: 'the control database --targets-query runs on', value: 'url' },
      schemas: { type: 'string', description: 'PostgreSQL schema per tenant on --db: the schema names', value: 'a,b' },
      'schemas-query': { type: 'string', description: 'PostgreSQL schema per tenant: SQL on --db returning the schema names', value: 'sql' },
      'targets-module': { type: 'string', description: 'a module exporting an async function that returns the targets', value: 'file' },
      concurrency: { type: 'string', description: 'targets at once (default: the number of cores)', value: 'N' },
      canary: { type: 'string', description: 'migrate N targets first; stop unless all succeed', value: 'N' },
      stages: { type: 'string', description: 'cumulative stage ends, e.g. 1,10%,100%: each starts when the one before has finished', value: 'list' },
      'max-failures': { type: 'string', description: 'halt the rollout when N (or N%) targets failed', value: 'N|N%' },
      'continue-on-error': { type: 'boolean', description: 'keep starting targets after a failure (default: stop at the first)' },
      only: { type: 'string', multiple: true, description: 'only these targets: ids or globs, file names, schemas, group:NAME (repeatable)', value: 'glob' },
      exclude: { type: 'string', multiple: true, description: 'leave out these targets (repeatable)', value: 'glob' },
      'dry-run': { type: 'boolean', description: "migrate: plan each target's pending steps; change nothing" },
      resume: { type: 'boolean', description: 'migrate: go on with the latest run (or --run ID) after a crash' },
      run: { type: 'string', description: 'the run to resume (migrate) or whose failures to show (status)', value: 'ID' },
      'state-dir': { type: 'string', description: 'where run journals go (default .strata/fleet)', value: 'folder' },
      state: {
        type: 'string',
        description:
          'migrate: share the rollout with runners on other machines through this PostgreSQL database (with --run ID); status: its last run (or --run ID)',
        value: 'url',
      },
      shard: { type: 'string', description: 'only part i of n of the fleet (a hash of each target id), for runners that share no state', value: 'i/n' },
      db: { type: 'string', description: 'PostgreSQL schema per tenant: the database holding the schemas', value: 'url' },
      config: DATABASE.config,
      dir: MIGRATIONS.dir,
      format: MIGRATIONS.format,
      table: MIGRATIONS.table,
      ...LOCK,
      ...POLICY,
      ...NO_BACKUP,
      ...BACKUP,
    },
  },
  bundle: {
    summary: 'write the migrations folder as one ES module for the browser (files, checksums, SQL statements)',
    usage: 'strata bundle --out FILE [--dialect sqlite|postgres] [--dir folder]',
    positionals: 0,
    details:
      "For apps that migrate a database inside the browser (strata-migrate/browser): browsers cannot list a folder, so the migrations are bundled at build time. The checksums are those strata status shows for the same files. The file is replaced atomically. Vite and esbuild users can import 'virtual:strata-migrations' through strata-migrate/vite instead.",
    options: {
      out: { type: 'string', description: 'the module to write (.ts or .js), e.g. src/migrations.gen.ts', value: 'file' },
      dialect: { type: 'string', description: 'the SQL the browser database speaks: sqlite (SQLite WASM, default) or postgres (PGlite)', value: 'name' },
      dir: MIGRATIONS.dir,
      format: MIGRATIONS.format,
      var: MIGRATIONS.var,
      config: DATABASE.config,
      database: DATABASE.database,
    },
  },
  help: {
    summary: "show a command's help (the same as strata COMMAND --help)",
    usage: 'strata help [COMMAND]',
    positionals: 1,
    options: {},
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** A command's own options followed by the common ones: everything it accepts. */
export function optionsOf(command: CommandName): Record<string, OptionSpec> {
  return { ...(COMMANDS[command].options as Record<string, OptionSpec>), ...COMMON_OPTIONS };
}
