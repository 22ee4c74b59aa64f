/**
 * `strata import <config>`: applies the target's schema migrations, opens the sources, runs the
 * importers with a progress bar each (on a terminal), and ends with a summary table. Ctrl-C
 * cancels between batches and leaves the target tables clean.
 */
import { relative, resolve } from 'node:path';
import { createMigrator } from 'strata-migrate';
import { EventChannel } from 'strata-migrate';
import { loadImportConfig, loadImporters } from 'strata-migrate/import';
import { runImport } from 'strata-migrate/import';
import { openSources } from 'strata-migrate/import';
import type { ImporterResult, ImportReport } from 'strata-migrate/import';
import { ErrorCode, StrataError } from 'strata-migrate';
import { usage } from '../args.js';
import { backupSettings } from '../backup-options.js';
import { resolveBackupPaths } from '../config.js';
import type { CommandContext } from '../command-context.js';
import { databaseTarget } from '../database-target.js';
import { cancelOnInterrupt } from '../interrupt.js';
import { ProgressTicker } from '../progress-ticker.js';
import { formatMs, showBackupProgress, table, type Output } from '../output.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const file = positionals[0];
  if (!file) throw usage('strata import needs a config file', 'usage: strata import <config.json|config.ts> [--dry-run] [--json]');
  const config = await loadImportConfig(resolve(file));
  const dbFlag = typeof values.db === 'string' ? values.db : undefined;
  const db = dbFlag ?? (config.db === undefined ? undefined : config.db === ':memory:' ? config.db : resolve(config.base, config.db));
  if (!db) throw new StrataError(ErrorCode.CONFIG_INVALID, `${config.file}: no target database`, { hint: 'set "db" in the import config, or pass --db' });
  output.target(databaseTarget({ db, dbSource: dbFlag !== undefined ? '--db' : relative(process.cwd(), config.file) || config.file }));
  const dryRun = values['dry-run'] === true;
  const events = new EventChannel();
  showImportProgress(events, output);

  let schema: { applied: number } | undefined;
  if (config.migrations !== undefined) {
    const migrator = createMigrator({ db, dir: resolve(config.base, config.migrations), backup: false });
    try {
      const migrated = await migrator.migrate({ dryRun });
      schema = { applied: migrated.results.length };
      if (migrated.results.length)
        output.line(
          `schema    ${migrated.results.length} migration(s) ${dryRun ? 'would be applied' : 'applied'} (now at version ${migrated.currentVersion ?? '-'})`,
        );
    } finally {
      await migrator.close();
    }
  }

  const sources = await openSources(config.sources, config.base);
  const importers = await loadImporters(config);
  const interrupt = cancelOnInterrupt(output);
  const configured = config.backup ? resolveBackupPaths(config.backup, (path) => resolve(config.base, path)) : undefined;
  const backup = values['no-backup'] === true || config.backup === false ? false : backupSettings(values, configured);
  try {
    const report = await runImport({
      db,
      importers,
      sources,
      statusTable: config.statusTable,
      statusKey: config.statusKey,
      ownedTables: config.ownedTables,
      foreignKeys: config.foreignKeys,
      signal: interrupt.signal,
      dryRun,
      rerun: values.force === true,
      backup,
      events,
      logger: {
        debug: (m) => output.verbose && output.warn(`debug ${m}`),
        info: (m) => output.verbose && output.warn(`info  ${m}`),
        warn: (m) => output.warn(`warning ${m}`),
        error: (m) => output.warn(`error ${m}`),
      },
    });
    output.data({ ...report, ...(schema ? { schema } : {}) });
    summarise(report, output);
    return 0;
  } catch (error) {
    const importersResults = (error as StrataError).details?.importers as ImporterResult[] | undefined;
    if (importersResults && !output.json) {
      output.line();
      for (const line of summaryTable(importersResults)) output.line(line);
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
}

function summarise(report: ImportReport, output: Output): void {
  if (report.status === 'already-completed') {
    output.line(`the import already completed (run ${report.runId}); nothing to do (--force runs it again from a clean target)`);
    return;
  }
  if (report.interrupted)
    output.line(`note: the previous run was interrupted (pid ${(report.interrupted as { pid?: number }).pid ?? '?'}); this run started from a clean target`);
  output.line();
  for (const line of summaryTable(report.importers)) output.line(line);
  output.line();
  if (report.dryRun) {
    output.line(
      `dry run: ${report.importers.length} importer(s) prepared, ${report.importers.reduce((a, r) => a + r.sourceCount, 0)} source rows; nothing was changed`,
    );
    for (const r of report.importers) for (const w of r.warnings) output.line(`  warning ${r.id}: ${w}`);
    for (const r of report.importers) if (r.prepare?.canRun === false) output.line(`  ${r.id} cannot run: ${r.prepare.reason ?? ''}`);
    return;
  }
  const rows = report.importers.reduce((a, r) => a + (r.targetCount ?? 0), 0);
  output.line(
    `import completed: ${report.importers.length} importer(s), ${rows} rows in ${formatMs(report.durationMs)}${report.backup ? `; backup ${report.backup.id}` : ''}`,
  );
}

export function summaryTable(results: readonly ImporterResult[]): string[] {
  const rows = [['IMPORTER', 'FROM', 'SOURCE', 'TARGET', 'SKIPPED', 'STATUS']];
  for (const r of results) {
    rows.push([
      r.id,
      r.source || '-',
      String(r.sourceCount),
      r.targetCount === null ? '-' : String(r.targetCount),
      r.skippedCount === null ? '-' : String(r.skippedCount),
      r.errors.length && r.status === 'failed' ? `failed: ${r.errors[0]}` : r.status,
    ]);
  }
  return table(rows);
}

const BAR_WIDTH = 24;

/**
 * A bar per importer on a terminal (rows done / total, rate, ETA); elsewhere a line per importer,
 * and a progress line at least every 10 s while one runs.
 */
export function showImportProgress(events: EventChannel, output: Output): void {
  if (output.json) return;
  const ticker = new ProgressTicker(output);
  let latest = { done: 0, total: 0 };
  let started = 0;
  let width = 12;
  events.on('import:prepared', (e) => (width = Math.max(width, ...e.importers.map((i) => i.id.length))));
  // import:interrupted is reported through the run's logger (a warning line).
  events.on('import:start', (e) => {
    started = performance.now();
    latest = { done: 0, total: e.sourceCount };
    ticker.start((ms) => `importing ${e.id}: ${latest.done.toLocaleString('en-US')} / ${latest.total.toLocaleString('en-US')} rows (${formatMs(ms)})`);
  });
  events.on('import:progress', (e) => {
    latest = e;
    if (!output.live) return;
    const share = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
    const filled = Math.round(share * BAR_WIDTH);
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? e.done / seconds : 0;
    const eta = rate > 0 && e.total > e.done ? `ETA ${formatSeconds((e.total - e.done) / rate)}` : '';
    output.transient(
      `${e.id.padEnd(width)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${e.done.toLocaleString('en-US')} / ${e.total.toLocaleString('en-US')} rows  ${Math.round(rate).toLocaleString('en-US')} rows/s  ${eta}`.trimEnd(),
    );
  });
  events.on('import:failed', () => ticker.stop());
  events.on('import:done', ({ result: r }) => {
    ticker.stop();
    const counts = `${r.targetCount ?? '-'} / ${r.sourceCount} rows${r.skippedCount ? `, ${r.skippedCount} skipped` : ''}`;
    output.settle(`${r.status === 'imported' ? 'imported' : r.status.padEnd(8)}  ${r.id.padEnd(width)} ${counts} (${formatMs(r.durationMs)})`);
  });
  showBackupProgress(events, output);
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.ceil(seconds - m * 60)).padStart(2, '0')}s`;
}
