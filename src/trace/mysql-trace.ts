/**
 * The MySQL/MariaDB trace: the pending steps run on a scratch copy (mysqldump into a new
 * database on the same server: same version, same tables, same rows, because what a DDL
 * statement does depends on the table as it is), and each DDL statement that can take an
 * ALGORITHM clause is run by asking for the cheapest algorithm first:
 *   `ALGORITHM=INSTANT` (metadata only: writes go on),
 *   `ALGORITHM=INPLACE, LOCK=NONE` (no table copy, concurrent writes allowed),
 *   `ALGORITHM=INPLACE` (no copy, but the server needs a shared or exclusive lock: writes wait),
 *   then as written (the server copies the table: writes wait for the whole copy).
 * The server refuses an algorithm it cannot use before changing anything (ER_ALTER_OPERATION_
 * NOT_SUPPORTED), so the first variant that succeeds is how the statement runs, and it ran
 * exactly once. This asks the server itself, where reading `rows affected` or handler counters
 * would be a guess that differs between MySQL and MariaDB versions.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import { resolveDatabase, type DatabaseSpec } from '../targets/sql/database-spec.js';
import { namesDatabase } from '../targets/sql/mysql/dialect.js';
import { runTracedEngine } from './engine-run.js';
import { scratchCopy, serverTraceReport } from './server-scratch.js';
import { statementTable, withoutCommentsAndStrings } from './statement-target.js';
import { type DdlAlgorithm, type TracedStatement, type TraceReport, tracedStatement } from './trace-report.js';
import type { TraceRunOptions } from './trace-options.js';
import type { AnnouncedStatement, StatementHooks } from './tracing-driver.js';

/** MySQL's and MariaDB's "You have an error in your SQL syntax": the clause does not fit this statement. */
const PARSE_ERROR = 1064;

export async function traceMysql(spec: DatabaseSpec, options: TraceRunOptions): Promise<TraceReport> {
  const started = performance.now();
  const liveName = decodeURIComponent(new URL(spec.location).pathname.slice(1));
  const scratch = await scratchCopy(spec);
  const scratchSpec = resolveDatabase({ ...options.migrator, db: scratch.url });
  const driver = scratchSpec.openDriver();
  const tracer = new MysqlTracer(namesDatabase(liveName), liveName);
  try {
    const run = await runTracedEngine(driver, tracer, options);
    return serverTraceReport('mysql', spec, scratch, run, tracer.statements, started);
  } finally {
    await driver.close();
    await scratch.dispose();
  }
}

/** The statements an ALGORITHM clause applies to, and how it is joined to them. */
function algorithmClauseJoin(sql: string): ', ' | ' ' | undefined {
  const text = withoutCommentsAndStrings(sql);
  if (/\bALGORITHM\s*=/i.test(text)) return undefined;
  if (/^ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE\b/i.test(text)) return ', ';
  if (/^(CREATE\s+(ONLINE\s+|OFFLINE\s+)?(UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX|DROP\s+INDEX)\b/i.test(text)) return ' ';
  return undefined;
}

const ATTEMPTS: readonly { algorithm: DdlAlgorithm; blocksWrites: boolean; clause: (join: string) => string }[] = [
  { algorithm: 'INSTANT', blocksWrites: false, clause: () => 'ALGORITHM=INSTANT' },
  { algorithm: 'INPLACE', blocksWrites: false, clause: (join) => `ALGORITHM=INPLACE${join}LOCK=NONE` },
  { algorithm: 'INPLACE', blocksWrites: true, clause: () => 'ALGORITHM=INPLACE' },
];

class MysqlTracer implements StatementHooks {
  readonly statements: TracedStatement[] = [];
  private readonly reachesLive: (sql: string) => boolean;
  private readonly liveName: string;
  private ran: { algorithm: DdlAlgorithm; blocksWrites: boolean } | undefined;

  constructor(reachesLive: (sql: string) => boolean, liveName: string) {
    this.reachesLive = reachesLive;
    this.liveName = liveName;
  }

  async before(statement: AnnouncedStatement): Promise<void> {
    this.ran = undefined;
    // The copy is another database on the same server: a name qualified with the live one would change it.
    if (this.reachesLive(statement.sql)) {
      throw new StrataError(
        ErrorCode.TRACE_UNSUPPORTED,
        `statement ${statement.index} (line ${statement.line}) names the live database ${this.liveName}: tracing it on a copy would change the live one`,
        {
          hint: 'write the statement without the database name (the migration runs in its database anyway)',
        },
      );
    }
  }

  async run(statement: AnnouncedStatement, exec: (sql: string) => Promise<void>): Promise<void> {
    const join = algorithmClauseJoin(statement.sql);
    if (join) {
      const sql = statement.sql.replace(/[\s;]+$/, '');
      let fits = true;
      for (const attempt of ATTEMPTS) {
        try {
          await exec(`${sql}${join}${attempt.clause(join)}`);
          this.ran = { algorithm: attempt.algorithm, blocksWrites: attempt.blocksWrites };
          return;
        } catch (error) {
          // Not this algorithm (or the statement fails anyway: the plain run below says why).
          if ((error as { errno?: number }).errno === PARSE_ERROR) {
            fits = false;
            break;
          }
        }
      }
      await exec(statement.sql);
      // No algorithm would do but the table copy; a clause that does not parse here says nothing.
      if (fits) this.ran = { algorithm: 'COPY', blocksWrites: true };
      return;
    }
    await exec(statement.sql);
  }

  async after(statement: AnnouncedStatement, durationMs: number): Promise<void> {
    const table = statementTable(statement.sql);
    this.statements.push({
      ...tracedStatement(statement, table, durationMs),
      ...(this.ran ?? {}),
    });
  }
}
