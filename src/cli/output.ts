/**
 * Everything the CLI prints goes through here: live lines on a terminal, plain lines otherwise,
 * one JSON document with --json, and errors as "what failed and where" + "how to fix it".
 */
import type { EngineEvents, EventChannel, StepEvent } from 'strata-migrate';
import { StrataError, messageOf } from 'strata-migrate';
import { migrationLabel } from 'strata-migrate';
import { ProgressTicker } from './progress-ticker.js';

/** Which database a run works on, and which setting named it. */
export interface DatabaseTarget {
  /** The database as it may be shown: a path, or a URL without its password. */
  target: string;
  /** `--db`, `DATABASE_URL`, the config file's name, or `default`. */
  source: string;
}

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Nothing but errors. */
  quiet?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly live: boolean;
  /** The database this run works on, once named (one database only): --json reports it too. */
  private database: DatabaseTarget | undefined;
  private databasesNamed = 0;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.quiet = options.quiet === true;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.live = !this.json && !this.quiet && Boolean(this.stdout.isTTY);
  }

  line(text = ''): void {
    if (!this.json && !this.quiet) this.stdout.write(`${escapeControls(text)}\n`);
  }

  /** A line that reports a problem: printed under --quiet too. */
  problem(text: string): void {
    if (!this.json) this.stdout.write(`${escapeControls(text)}\n`);
  }

  /**
   * Names the database a run works on and where that setting came from, first thing, so a log
   * always says which database was changed: `database: sqlite:app.db (from strata.config.json)`.
   */
  target(database: DatabaseTarget, options: { stderr?: boolean } = {}): void {
    this.database = database;
    this.databasesNamed++;
    const text = `database: ${database.target} (from ${database.source})`;
    // stderr when stdout carries data of its own (an export).
    if (options.stderr) this.warn(text);
    else this.line(text);
  }

  /** The run's JSON document; with one database named, it says which (`database: { target, source }`). */
  data(value: unknown): void {
    if (!this.json) return;
    const named = this.databasesNamed === 1 && value && typeof value === 'object' && !Array.isArray(value) && !('database' in value) && !('databases' in value);
    this.stdout.write(`${JSON.stringify(named ? { database: this.database, ...value } : value, null, 2)}\n`);
  }

  /** A line that the next one replaces (terminals only). */
  transient(text: string): void {
    if (this.live) this.stdout.write(`\r\x1b[2K${escapeControls(text)}`);
  }

  settle(text: string): void {
    if (this.live) this.stdout.write(`\r\x1b[2K${escapeControls(text)}\n`);
    else this.line(text);
  }

  warn(text: string): void {
    if (!this.json && !this.quiet) this.stderr.write(`${escapeControls(text)}\n`);
  }

  /** A failure summary on stderr: printed under --quiet too. */
  failure(text: string): void {
    if (!this.json) this.stderr.write(`${escapeControls(text)}\n`);
  }

  error(error: unknown): void {
    const known = error instanceof StrataError;
    if (this.json) {
      const body = known ? error.toJSON() : { code: 'INTERNAL', message: messageOf(error) };
      this.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    } else {
      if (this.live) this.stdout.write('\r\x1b[2K');
      this.stderr.write(`error ${known ? error.code : 'INTERNAL'}: ${escapeControls(messageOf(error))}\n`);
      if (known && error.hint) this.stderr.write(`  hint: ${escapeControls(error.hint)}\n`);
      if (!known && !this.verbose) this.stderr.write('  hint: this is a bug in Strata; run again with --verbose and report the stack trace\n');
    }
    if (this.verbose && error instanceof Error) {
      this.stderr.write(`${error.stack ?? ''}\n`);
      if (error.cause instanceof Error) this.stderr.write(`caused by: ${error.cause.stack ?? error.cause.message}\n`);
    }
  }
}

// C0 controls but tab and line feed, DEL and C1: a file name holding ESC [ 2 J must not clear
// the terminal, nor a CR overwrite what was printed before it.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with control characters shown as \xNN (JSON output escapes them already). */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Progress for migrate/rollback: on a terminal one live line per step, replaced in place; in a
 * log a line when each step starts and when it ends, and a line at least every 10 s while one runs.
 */
export function showProgress(events: EventChannel<EngineEvents>, output: Output): void {
  if (output.json) return;
  const ticker = new ProgressTicker(output);
  const count = (e: { index: number; total: number }) => (e.total > 1 ? `[${e.index}/${e.total}] ` : '');
  const starting = (verb: string) => (e: StepEvent) => {
    const text = `${count(e)}${verb} ${migrationLabel(e)} ...`;
    if (output.live) output.transient(text);
    else output.line(text);
    ticker.start((ms) => `${count(e)}still ${verb} ${migrationLabel(e)} (${formatMs(ms)})`);
  };
  const ended = (verb: string) => (e: StepEvent & { durationMs: number }) => {
    ticker.stop();
    output.settle(`${verb.padEnd(9)} ${migrationLabel(e)} (${formatMs(e.durationMs)})`);
  };
  events.on('lock:waiting', (e) => output.warn(`waiting for another migration on ${e.target} to finish...`));
  events.on('ledger:upgraded', (e) => output.line(`upgraded the ledger of ${e.target} from layout ${e.from} to ${e.to} (see docs/ledger.md)`));
  events.on('migrating', starting('applying'));
  events.on('migrated', ended('applied'));
  events.on('reverting', starting('reverting'));
  events.on('reverted', ended('reverted'));
  events.on('failed', ended('failed'));
  events.on('done', () => ticker.stop());
  showBackupProgress(events, output);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const BAR_WIDTH = 24;
const PHASES = { snapshot: 'snapshot', write: 'writing', verify: 'verifying', restore: 'restoring' } as const;

/**
 * A bar for backup phases on a terminal (redrawn in place; a few lines, so no dependency), the
 * backup and restore outcomes as lines elsewhere.
 */
export function showBackupProgress(events: EventChannel<EngineEvents>, output: Output): void {
  if (output.json) return;
  const ticker = new ProgressTicker(output);
  let phase: string | undefined;
  let latest = { bytes: 0, totalBytes: 0 };
  events.on('backup:progress', (e) => {
    latest = e;
    if (`${e.id} ${e.phase}` !== phase) {
      phase = `${e.id} ${e.phase}`;
      ticker.start(
        (ms) =>
          `backup    ${e.id}: ${PHASES[e.phase]} ${formatBytes(latest.bytes)}${latest.totalBytes ? ` / ${formatBytes(latest.totalBytes)}` : ''} (${formatMs(ms)})`,
      );
    }
    if (!output.live || e.totalBytes === 0) return;
    const share = Math.min(1, e.bytes / e.totalBytes);
    const filled = Math.round(share * BAR_WIDTH);
    output.transient(
      `${PHASES[e.phase].padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${formatBytes(e.bytes)} / ${formatBytes(e.totalBytes)}`,
    );
  });
  const finished = () => {
    ticker.stop();
    phase = undefined;
  };
  events.on('backup', (e) => {
    finished();
    output.settle(`backup    ${e.id} (${e.location})`);
  });
  events.on('restore', (e) => {
    finished();
    output.settle(`restored  backup ${e.id} into ${e.target}${e.automatic ? ' (automatically, after the failure)' : ''}`);
  });
  for (const end of ['migrating', 'reverting', 'done', 'failed'] as const) events.on(end, finished);
}

export function table(rows: string[][]): string[] {
  // Escaped before measuring, so a name holding control characters keeps the columns aligned.
  rows = rows.map((row) => row.map(escapeControls));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}
