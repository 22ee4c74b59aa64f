/**
 * PostgreSQL rules about how long a migration holds its locks and what it breaks for the code
 * still running against the old schema: lock_timeout, work after an ACCESS EXCLUSIVE lock,
 * renames and drops, enum values added in a transaction.
 */
import type { LintFindingDraft, LintRule } from '../lint-rule.js';
import {
  describeTable,
  isControl,
  isExisting,
  LOCK_MODES,
  type LockMode,
  lockTaken,
  type PgStatement,
  pgStatements,
  relationName,
  strings,
  viewsNaming,
} from './postgres-ast.js';

const LOCK_DOCS = 'https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES';

/** Whether a SET statement turns lock_timeout on (a non-zero value), off (0, DEFAULT, RESET), or is about something else. */
function lockTimeoutSetting(entry: PgStatement): 'on' | 'off' | undefined {
  if (entry.kind !== 'VariableSetStmt' || String(entry.node.name ?? '').toLowerCase() !== 'lock_timeout') return undefined;
  if (entry.node.kind !== 'VAR_SET_VALUE') return 'off';
  const value = entry.node.args?.[0]?.A_Const;
  const raw = value?.sval?.sval ?? value?.ival?.ival ?? 0;
  return /^\s*0+\s*(ms|s|min)?\s*$/i.test(String(raw)) ? 'off' : 'on';
}

export const lockTimeoutMissing: LintRule = {
  id: 'postgres/lock-timeout-missing',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'a lock that blocks writes (SHARE or stronger) taken on an existing table with no lock_timeout set before it',
  docs: {
    catches:
      'A statement that takes a lock blocking writes (SHARE or stronger) on an existing table: ACCESS EXCLUSIVE (most ALTER TABLE forms, DROP, TRUNCATE, renames), SHARE ROW EXCLUSIVE (foreign keys, triggers), SHARE (CREATE INDEX without CONCURRENTLY), with no `SET lock_timeout` (or `SET LOCAL lock_timeout`) to a non-zero value earlier in the file. Reported once, at the first such statement, with the count of the others.',
    why: `A lock request waits behind every running transaction that holds a conflicting lock, and every later query on the table queues behind the waiting request: one long report query turns a millisecond ALTER into an outage for as long as the report runs (${LOCK_DOCS}, https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT). A timeout set by the role or the server is invisible to the linter: ignore the rule with that reason.`,
    safe: "Start the file with `SET lock_timeout = '5s';` (`SET LOCAL` inside a transaction) and retry the migration when it times out.",
    setup: 'CREATE TABLE orders (id bigint PRIMARY KEY);',
    bad: 'ALTER TABLE orders ADD COLUMN note text;\n',
    good: "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n",
  },
  check(file, schema) {
    const uncovered: { entry: PgStatement; mode: LockMode; table: string }[] = [];
    let timeout = false;
    for (const entry of pgStatements(file)) {
      const setting = lockTimeoutSetting(entry);
      if (setting) timeout = setting === 'on';
      const lock = lockTaken(entry);
      if (timeout || !lock || LOCK_MODES.indexOf(lock.mode) < LOCK_MODES.indexOf('SHARE')) continue;
      if (isExisting(lock.table, entry, schema)) uncovered.push({ entry, ...lock });
    }
    const [first, ...others] = uncovered;
    if (!first) return [];
    const more =
      others.length > 0
        ? ` (and ${others.length} more statement${others.length === 1 ? '' : 's'} of this file: ${others.map((o) => o.entry.statement.index).join(', ')})`
        : '';
    return [
      {
        statement: first.entry.statement,
        message: `statement ${first.entry.statement.index} takes ${first.mode} on ${describeTable(first.table, schema)} with no lock_timeout${more}: while it waits, every query on ${first.table} queues behind it`,
        hint: "set a lock timeout at the top of the file: SET lock_timeout = '5s';",
      },
    ];
  },
};

export const statementsAfterExclusiveLock: LintRule = {
  id: 'postgres/statements-after-exclusive-lock',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'more statements in the same transaction after an ACCESS EXCLUSIVE lock on an existing table',
  docs: {
    catches:
      'A statement that takes ACCESS EXCLUSIVE on an existing table, followed in the same transaction by other statements (SET, COMMENT and transaction control aside).',
    why: `Locks are held until the transaction ends: every statement after the one that took ACCESS EXCLUSIVE runs while the table is closed to all readers and writers, so their time adds to the outage (${LOCK_DOCS}).`,
    safe: 'Put the ACCESS EXCLUSIVE statement last in its transaction, or in a file of its own, and do the slow work (index builds, backfills) before it or in other files.',
    setup: 'CREATE TABLE orders (id bigint PRIMARY KEY, note text);\nCREATE TABLE audit (id bigint PRIMARY KEY);',
    bad: "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN note SET DEFAULT '';\nCREATE TABLE archive (id bigint PRIMARY KEY);\n",
    good: "SET lock_timeout = '5s';\nCREATE TABLE archive (id bigint PRIMARY KEY);\nALTER TABLE orders ALTER COLUMN note SET DEFAULT '';\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    let holder: { entry: PgStatement; table: string; after: number } | undefined;
    const report = () => {
      if (holder && holder.after > 0) {
        findings.push({
          statement: holder.entry.statement,
          message: `statement ${holder.entry.statement.index} holds ACCESS EXCLUSIVE on ${holder.table} while ${holder.after} more statement${holder.after === 1 ? '' : 's'} of the same transaction run`,
          hint: 'move the ACCESS EXCLUSIVE statement to the end of its transaction, or to a file of its own',
        });
      }
      holder = undefined;
    };
    for (const entry of pgStatements(file)) {
      if (entry.kind === 'TransactionStmt' || !entry.statement.inTransaction) {
        report();
        continue;
      }
      if (holder && !isControl(entry.kind)) holder.after += 1;
      const lock = lockTaken(entry);
      if (!holder && lock?.mode === 'ACCESS EXCLUSIVE' && isExisting(lock.table, entry, schema)) holder = { entry, table: lock.table, after: 0 };
    }
    report();
    return findings;
  },
};

export const renameInUse: LintRule = {
  id: 'postgres/rename-in-use',
  families: ['postgres'],
  defaultSeverity: 'error',
  summary: 'renaming an existing table or column',
  docs: {
    catches: '`ALTER TABLE ... RENAME TO` and `ALTER TABLE ... RENAME COLUMN` on a table that exists before the migration.',
    why: 'The rename is instant, but the application instances still running the old code name the old table or column: every one of their queries fails from the moment the migration commits until the last old instance is gone. Views follow the rename, code does not.',
    safe: 'Expand and contract: add the new column (or a view with the new name), write both, backfill, switch the reads, and drop the old one in a later release; or ignore the rule with the reason when no running code uses the name.',
    setup: 'CREATE TABLE users (id bigint PRIMARY KEY, mail text);',
    bad: 'ALTER TABLE users RENAME COLUMN mail TO email;\n',
    good: 'ALTER TABLE users ADD COLUMN email text;\n',
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    for (const entry of pgStatements(file)) {
      if (entry.kind !== 'RenameStmt' || (entry.node.renameType !== 'OBJECT_TABLE' && entry.node.renameType !== 'OBJECT_COLUMN')) continue;
      const table = relationName(entry.node.relation);
      if (!isExisting(table, entry, schema)) continue;
      const old = entry.node.renameType === 'OBJECT_COLUMN' ? `column ${table}.${entry.node.subname}` : `table ${table}`;
      findings.push({
        statement: entry.statement,
        message: `renaming ${old} to ${entry.node.newname} breaks every running query that still names ${old}`,
        hint: 'add the new name beside the old one, switch the code, and drop the old name in a later migration',
      });
    }
    return findings;
  },
};

export const dropInUse: LintRule = {
  id: 'postgres/drop-in-use',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'dropping an existing table or column',
  docs: {
    catches: '`DROP TABLE` of a table, and `ALTER TABLE ... DROP COLUMN` of a column of a table, that exists before the migration.',
    why: 'Running code that still reads the table or column fails from the moment the migration commits, and the data is gone with no undo but a backup. Views that use it make the drop fail (or, with CASCADE, vanish too).',
    safe: 'Stop using it in a release first, then drop it in a later migration; ignore the rule with that reason (`-- strata-ignore postgres/drop-in-use: unused since v4.2`).',
    setup: 'CREATE TABLE users (id bigint PRIMARY KEY, legacy_flag boolean);',
    bad: 'ALTER TABLE users DROP COLUMN legacy_flag;\n',
    good: "COMMENT ON COLUMN users.legacy_flag IS 'unused since v4.2: dropped in a later release';\n",
  },
  check(file, schema) {
    const findings: LintFindingDraft[] = [];
    const drop = (entry: PgStatement, table: string, what: string, name: string) => {
      if (!isExisting(table, entry, schema)) return;
      const views = viewsNaming(schema, name);
      findings.push({
        statement: entry.statement,
        message: `dropping ${what} breaks running code that still uses it${views.length > 0 ? `; views using it: ${views.join(', ')}` : ''}`,
        hint: 'stop using it in a release first, then drop it, with -- strata-ignore postgres/drop-in-use: <the reason it is unused>',
      });
    };
    for (const entry of pgStatements(file)) {
      if (entry.kind === 'DropStmt' && entry.node.removeType === 'OBJECT_TABLE') {
        for (const object of entry.node.objects ?? []) {
          const table = strings(object.List?.items).at(-1)?.toLowerCase() ?? '';
          drop(entry, table, `table ${table}`, table);
        }
      }
      if (entry.kind === 'AlterTableStmt') {
        const table = relationName(entry.node.relation);
        for (const cmd of entry.node.cmds ?? []) {
          if (cmd.AlterTableCmd?.subtype === 'AT_DropColumn') drop(entry, table, `column ${table}.${cmd.AlterTableCmd.name}`, cmd.AlterTableCmd.name);
        }
      }
    }
    return findings;
  },
};

export const enumValueInTransaction: LintRule = {
  id: 'postgres/enum-value-in-transaction',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'ALTER TYPE ... ADD VALUE inside a transaction',
  docs: {
    catches: '`ALTER TYPE ... ADD VALUE` in a statement that runs inside a transaction.',
    why: 'Before PostgreSQL 12 it fails inside a transaction block; from 12 on it runs, but the new value cannot be used until the transaction commits ("unsafe use of new value"), so a later statement of the same migration that writes it fails (https://www.postgresql.org/docs/current/sql-altertype.html, Notes).',
    safe: 'Add the value in a file of its own marked `-- strata:no-transaction`, and use it in a later migration.',
    bad: "ALTER TYPE order_status ADD VALUE 'refunded';\n",
    good: "-- strata:no-transaction\nALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';\n",
  },
  check(file) {
    const entries = pgStatements(file);
    return entries
      .filter((entry) => entry.kind === 'AlterEnumStmt' && entry.node.newVal !== undefined && !entry.node.oldVal && entry.statement.inTransaction)
      .map((entry) => {
        const value = String(entry.node.newVal);
        const usedLater = entries.some((other) => other.statement.index > entry.statement.index && other.statement.normalized.includes(`'${value}'`));
        return {
          statement: entry.statement,
          message: `ALTER TYPE ${strings(entry.node.typeName).join('.')} ADD VALUE '${value}' runs in a transaction: PostgreSQL before 12 refuses it, later ones refuse using the value before commit${usedLater ? `, and a later statement of this file uses '${value}'` : ''}`,
          hint: 'move it to its own file marked -- strata:no-transaction',
        };
      });
  },
};

export const POSTGRES_LOCK_RULES: readonly LintRule[] = [lockTimeoutMissing, statementsAfterExclusiveLock, renameInUse, dropInUse, enumValueInTransaction];
