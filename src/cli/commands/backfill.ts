/**
 * `strata backfill`: a progressive (batched, resumable) data migration on its own.
 *   strata backfill NAME --on TABLE --set "col = expr" [--where COND] [--key id] [--batch-size N] [--delay-ms N]
 *   strata backfill FILE.ts|.js        a module exporting the definition (default export or `backfill`)
 *   strata backfill --status           every backfill's checkpoint
 * Running the same NAME again resumes after its checkpoint. Ctrl-C stops between batches.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { EventChannel } from 'strata-migrate';
import { ErrorCode, StrataError } from 'strata-migrate';
import { backfill, backfillStatus, type BackfillDefinition, type BackfillReport } from 'strata-migrate/backfill';
import type { BackfillProgress } from 'strata-migrate/backfill';
import type { BackfillState } from 'strata-migrate/backfill';
import { encodeBackfillKey as encodeKey } from 'strata-migrate/tooling';
import { defaultExport, importFile } from 'strata-migrate/tooling';
import { integerOption, usage } from '../args.js';
import type { CommandContext } from '../command-context.js';
import { cancelOnInterrupt } from '../interrupt.js';
import { ProgressTicker } from '../progress-ticker.js';
import { formatBytes, formatMs, table, type Output } from '../output.js';

const MODULE = /\.[mc]?[jt]s$/;
const USAGE =
  'usage: strata backfill NAME --on TABLE --set "col = expr" [--where COND] [--batch-size N] [--delay-ms N] | strata backfill FILE.ts | strata backfill --status';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const spec = (await ctx.database()).spec();
  if (values.status === true) {
    if (positionals.length) throw usage('--status takes no NAME', USAGE);
    const states = await backfillStatus(spec);
    output.data({ backfills: states });
    printStatus(states, output);
    return 0;
  }

  const definition = await definitionOf(ctx);
  const events = new EventChannel();
  showBackfillProgress(events, output);
  const interrupt = cancelOnInterrupt(output);
  try {
    const report = await backfill({ ...definition, db: spec, events, signal: interrupt.signal, restart: values.restart === true });
    output.data(report);
    summarise(report, output);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

async function definitionOf(ctx: CommandContext): Promise<BackfillDefinition> {
  const { values, positionals } = ctx;
  const target = positionals[0];
  if (!target) throw usage('strata backfill needs a NAME (or a module file, or --status)', USAGE);
  const string = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const overrides: Partial<BackfillDefinition> = {};
  const batchSize = integerOption(values['batch-size'], '--batch-size', 1);
  const delayMs = integerOption(values['delay-ms'], '--delay-ms');
  if (batchSize !== undefined) overrides.batchSize = batchSize;
  if (delayMs !== undefined) overrides.delayMs = delayMs;

  if (MODULE.test(target)) {
    const file = resolve(target);
    if (!existsSync(file))
      throw new StrataError(ErrorCode.BACKFILL_INVALID, `${target}: no such file`, {
        hint: 'give the path of a module exporting the backfill (default export)',
      });
    const loaded = await importFile(file);
    const exported = (loaded.backfill ?? defaultExport(loaded)) as BackfillDefinition | undefined;
    if (!exported || typeof exported !== 'object' || typeof exported.name !== 'string') {
      throw new StrataError(ErrorCode.BACKFILL_INVALID, `${target} exports no backfill definition`, {
        hint: 'export default { name, table, set | sql | update, ... } (or export const backfill = { ... })',
      });
    }
    for (const flag of ['on', 'set', 'statement', 'where', 'key'] as const) {
      if (string(flag) !== undefined) throw usage(`--${flag} does not apply to a module file: the module defines it`, USAGE);
    }
    return { ...exported, ...overrides };
  }

  const tableName = string('on');
  const set = string('set');
  const sql = string('statement');
  if (!tableName) throw usage(`strata backfill ${target} needs --on TABLE, the table to walk`, USAGE);
  if ((set === undefined) === (sql === undefined)) throw usage(`strata backfill ${target} needs --set "col = expr" (or --statement with :keys)`, USAGE);
  return {
    name: target,
    table: tableName,
    ...(set !== undefined ? { set } : { sql: sql! }),
    ...(string('where') !== undefined ? { where: string('where')! } : {}),
    ...(string('key') !== undefined ? { key: string('key')! } : {}),
    ...overrides,
  };
}

function summarise(report: BackfillReport, output: Output): void {
  if (report.alreadyDone) {
    output.line(
      `backfill ${report.name} already completed (${report.done.toLocaleString('en-US')} rows, finished ${report.state.finishedAt ?? '?'}); --restart runs it again from the first key`,
    );
    return;
  }
  const resumed = report.resumed ? ` (resumed after ${(report.done - report.rowsThisRun).toLocaleString('en-US')} rows)` : '';
  output.line(
    `backfilled ${report.name}: ${report.rowsThisRun.toLocaleString('en-US')} rows in ${report.batches} batches, ${formatMs(report.durationMs)}, ${Math.round(report.rowsPerSecond).toLocaleString('en-US')} rows/s${resumed}; ${report.done.toLocaleString('en-US')} in all`,
  );
}

function printStatus(states: readonly BackfillState[], output: Output): void {
  if (!states.length) {
    output.line('no backfills have run on this database');
    return;
  }
  const rows = [['NAME', 'TABLE', 'STATUS', 'DONE', 'TOTAL', 'LAST KEY', 'UPDATED', 'PID']];
  for (const s of states) {
    rows.push([
      s.name,
      `${s.table}.${s.key}`,
      s.status,
      String(s.rowsDone),
      s.total === null ? '-' : String(s.total),
      s.lastKey === null ? '-' : encodeKey(s.lastKey),
      s.updatedAt,
      s.pid === null ? '-' : String(s.pid),
    ]);
  }
  for (const line of table(rows)) output.line(line);
  for (const s of states.filter((x) => x.error)) output.line(`! ${s.name} failed: ${s.error}`);
  const unfinished = states.filter((s) => s.status !== 'done');
  if (unfinished.length) output.line(`${unfinished.length} unfinished: run 'strata backfill NAME ...' again to continue after its last key`);
}

const BAR_WIDTH = 24;

/**
 * A bar on a terminal (done / total, rate, ETA, memory), redrawn at most 10 times a second; in a
 * log, a progress line at least every 10 s (never one per batch).
 */
export function showBackfillProgress(events: EventChannel, output: Output): void {
  if (output.json) return;
  let drawn = 0;
  const ticker = new ProgressTicker(output);
  let latest: BackfillProgress | undefined;
  events.on('backfill:start', (e) => {
    if (e.resumed)
      output.line(`resuming ${e.name} after key ${encodeKey(e.lastKey)}: ${e.done.toLocaleString('en-US')} of ${e.total.toLocaleString('en-US')} rows done`);
    ticker.start(
      (ms) =>
        `backfill  ${e.name}: ${(latest?.done ?? e.done).toLocaleString('en-US')} / ${e.total.toLocaleString('en-US')} rows${latest ? `, ${Math.round(latest.rowsPerSecond).toLocaleString('en-US')} rows/s` : ''} (${formatMs(ms)})`,
    );
  });
  events.on('backfill:progress', (e) => {
    latest = e;
    if (!output.live) return;
    const now = performance.now();
    if (now - drawn < 100 && e.done < e.total) return;
    drawn = now;
    const share = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const filled = Math.round(share * BAR_WIDTH);
    const eta = e.etaMs === null || e.done >= e.total ? '' : `ETA ${formatMs(e.etaMs)}`;
    output.transient(
      `${e.name} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${e.done.toLocaleString('en-US')} / ${e.total.toLocaleString('en-US')} rows  ${Math.round(e.rowsPerSecond).toLocaleString('en-US')} rows/s  ${eta ? `${eta}  ` : ''}rss ${formatBytes(e.rssBytes)}`,
    );
  });
  events.on('backfill:done', () => {
    ticker.stop();
    if (output.live && drawn) output.transient('');
  });
  events.on('backfill:cancelled', () => ticker.stop());
  events.on('backfill:failed', () => ticker.stop());
  events.on('backfill:cancelled', (e) =>
    output.settle(`cancelled ${e.name} after ${e.done.toLocaleString('en-US')} rows (checkpoint: key ${encodeKey(e.lastKey)})`),
  );
  events.on('backfill:failed', (e) =>
    output.settle(`failed    ${e.name} after ${e.done.toLocaleString('en-US')} rows (checkpoint: key ${encodeKey(e.lastKey)})`),
  );
}
