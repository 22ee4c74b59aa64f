/**
 * `strata log`: the migration journal (the database's strata_journal table, or a document
 * store's JSON-lines file with --journal-file), filtered, as a table, JSON or an export.
 */
import { existsSync } from 'node:fs';
import { parseTimeOption } from 'strata-migrate/tooling';
import type { JournalQuery } from 'strata-migrate/journal';
import { exportEntries, type JournalExportFormat } from 'strata-migrate/journal';
import { Journal, type JournalSink } from 'strata-migrate/journal';
import { jsonlJournalSink } from 'strata-migrate/journal';
import { sqlJournalSink } from 'strata-migrate/journal';
import { ErrorCode, StrataError } from 'strata-migrate';
import { integerOption, usage } from '../args.js';
import { journalFromEnv, type CommandContext } from '../command-context.js';
import type { ResolvedConfig } from '../config.js';
import { databaseTarget } from '../database-target.js';
import { table } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const format = text('export');
  if (format !== undefined && format !== 'json' && format !== 'csv')
    throw usage(`--export expects json or csv, got '${format}'`, 'e.g. strata log --export csv > journal.csv');
  const now = new Date();
  const query: JournalQuery = {};
  const level = text('level');
  if (level !== undefined) {
    if (!/^(debug|info|warn|error)$/i.test(level)) throw usage(`--level expects DEBUG, INFO, WARN or ERROR, got '${level}'`, 'e.g. strata log --level error');
    query.level = level.toUpperCase() as JournalQuery['level'];
  }
  const since = text('since');
  const until = text('until');
  if (since !== undefined) query.since = parseTimeOption(since, now, '--since');
  if (until !== undefined) query.until = parseTimeOption(until, now, '--until');
  const limit = integerOption(values.limit, '--limit', 1);
  if (limit !== undefined) query.limit = limit;
  if (text('migration') !== undefined) query.migration = text('migration');
  if (text('run') !== undefined) query.runId = text('run');

  let sink: JournalSink;
  let close = async () => {};
  let journalOn = true;
  const file = text('journal-file');
  if (file !== undefined) {
    if (!existsSync(file))
      throw new StrataError(ErrorCode.USAGE, `the journal file ${file} does not exist`, { hint: 'give the path of a jsonlJournalSink file' });
    sink = jsonlJournalSink(file);
  } else {
    // An export is data on stdout: the database is named on stderr instead.
    const config = format ? await ctx.config() : (await ctx.database()).config;
    if (format) output.target(databaseTarget(config), { stderr: true });
    journalOn = journalEnabled(config);
    const spec = await ctx.spec();
    const driver = spec.openDriver();
    const { exists } = await driver.connect('read');
    if (!exists) {
      await driver.close();
      throw new StrataError(ErrorCode.DB_OPEN_FAILED, `${driver.description} does not exist: there is no journal to show`, {
        hint: "run 'strata migrate' first",
      });
    }
    sink = sqlJournalSink(driver, { table: spec.tables.journal.name });
    close = () => driver.close();
  }
  try {
    const entries = await new Journal(sink).queryLogs(query);
    // Nothing recorded and nothing recording: say how to turn it on, not just "no entries".
    const off = !journalOn && entries.length === 0 ? JOURNAL_OFF : undefined;
    if (format) {
      if (off) output.warn(off);
      process.stdout.write(exportEntries(entries, format as JournalExportFormat));
      return 0;
    }
    output.data({ entries, ...(off ? { journal: 'off', hint: off } : {}) });
    if (!entries.length) {
      output.line(off ?? 'no journal entries match');
      return 0;
    }
    const rows = [['TIME', 'LEVEL', 'RUN', 'MIGRATION', 'EVENT', 'MESSAGE']];
    for (const e of entries) rows.push([e.time, e.level, e.runId, e.migration ?? '', e.event, e.message.split('\n')[0]!]);
    for (const line of table(rows)) output.line(line);
    return 0;
  } finally {
    await close();
  }
}

const JOURNAL_OFF =
  'the journal is off, so no runs are recorded: turn it on with "journal": true in strata.config.json, or STRATA_JOURNAL=1 in the environment of strata migrate; runs from then on are shown here';

/** As the migrator decides it: STRATA_JOURNAL, when set, over the config's "journal". */
function journalEnabled(config: ResolvedConfig): boolean {
  return process.env.STRATA_JOURNAL ? journalFromEnv() !== false : Boolean(config.journal);
}
