/**
 * Everything the CLI prints goes through here: live lines on a terminal, plain lines otherwise,
 * one JSON document with --json, and errors as "what failed and where" + "how to fix it".
 */
import type { EventChannel } from '../engine/events.js';
import { StrataError, messageOf } from '../model/errors.js';
import { migrationLabel } from '../model/migration.js';

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly live: boolean;
  private readonly stdout: NodeJS.WriteStream;
  private readonly stderr: NodeJS.WriteStream;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.live = !this.json && Boolean(this.stdout.isTTY);
  }

  line(text = ''): void {
    if (!this.json) this.stdout.write(`${text}\n`);
  }

  data(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A line that the next one replaces (terminals only). */
  transient(text: string): void {
    if (this.live) this.stdout.write(`\r\x1b[2K${text}`);
  }

  settle(text: string): void {
    if (this.live) this.stdout.write(`\r\x1b[2K${text}\n`);
    else this.line(text);
  }

  warn(text: string): void {
    if (!this.json) this.stderr.write(`${text}\n`);
  }

  error(error: unknown): void {
    const known = error instanceof StrataError;
    if (this.json) {
      const body = known ? error.toJSON() : { code: 'INTERNAL', message: messageOf(error) };
      this.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    } else {
      if (this.live) this.stdout.write('\r\x1b[2K');
      this.stderr.write(`error ${known ? error.code : 'INTERNAL'}: ${messageOf(error)}\n`);
      if (known && error.hint) this.stderr.write(`  hint: ${error.hint}\n`);
      if (!known && !this.verbose) this.stderr.write('  hint: this is a bug in Strata; run again with --verbose and report the stack trace\n');
    }
    if (this.verbose && error instanceof Error) {
      this.stderr.write(`${error.stack ?? ''}\n`);
      if (error.cause instanceof Error) this.stderr.write(`caused by: ${error.cause.stack ?? error.cause.message}\n`);
    }
  }
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Live progress for migrate/rollback: one line per step, replaced in place on a terminal. */
export function showProgress(events: EventChannel, output: Output): void {
  if (output.json) return;
  const count = (e: { index: number; total: number }) => (e.total > 1 ? `[${e.index}/${e.total}] ` : '');
  events.on('lock:waiting', (e) => output.warn(`waiting for another migration on ${e.target} to finish...`));
  events.on('migrating', (e) => output.transient(`${count(e)}applying ${migrationLabel(e)}...`));
  events.on('migrated', (e) => output.settle(`applied   ${migrationLabel(e)} (${formatMs(e.durationMs)})`));
  events.on('reverting', (e) => output.transient(`${count(e)}reverting ${migrationLabel(e)}...`));
  events.on('reverted', (e) => output.settle(`reverted  ${migrationLabel(e)} (${formatMs(e.durationMs)})`));
  events.on('failed', (e) => output.settle(`failed    ${migrationLabel(e)} (${formatMs(e.durationMs)})`));
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
export function showBackupProgress(events: EventChannel, output: Output): void {
  if (output.json) return;
  events.on('backup:progress', (e) => {
    if (!output.live || e.totalBytes === 0) return;
    const share = Math.min(1, e.bytes / e.totalBytes);
    const filled = Math.round(share * BAR_WIDTH);
    output.transient(`${PHASES[e.phase].padEnd(9)} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${formatBytes(e.bytes)} / ${formatBytes(e.totalBytes)}`);
  });
  events.on('backup', (e) => output.settle(`backup    ${e.id} (${e.location})`));
  events.on('restore', (e) => output.settle(`restored  backup ${e.id} into ${e.target}${e.automatic ? ' (automatically, after the failure)' : ''}`));
}

export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
