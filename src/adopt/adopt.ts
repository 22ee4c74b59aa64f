/**
 * `strata adopt`: take over another tool's history. Under the migration lock: read the tool's
 * ledger (a ToolLedgerReader), read its folder, check them against each other (every step has
 * its file; stored checksums still match), and write Strata ledger rows marked `adoptedFrom` in
 * one transaction. It runs no migration and leaves the tool's ledger as it is; running it again
 * is a no-op.
 *
 * @example
 * import { adopt, createMigrator } from 'strata-migrate';
 * const migrator = createMigrator({ db: './app.db', dir: './db/migrations' });
 * const report = await adopt(migrator, { from: 'dbmate', dir: './db/migrations' });
 * console.log(report.entries.length, report.config); // 12 { dir: 'db/migrations' }
 * await migrator.close();
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { EventChannel } from '../engine/events.js';
import { takeLock } from '../engine/take-lock.js';
import { clock, elapsedSince } from '../model/clock.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import { adoptedHistoryChecksum, type LedgerEntry } from '../model/ledger.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../model/lock-timeout.js';
import { migrationLabel, type Migration } from '../model/migration.js';
import { commandLine, nextCommand } from '../model/next-command.js';
import { canonicalVersion, compareVersions } from '../model/version.js';
import { readMigrationFolder } from '../sources/folder-source.js';
import { FORMAT_NAMES, type FormatName } from '../sources/formats/format.js';
import type { SqlDriver } from '../targets/sql/driver.js';
import { sqlPartsOf } from '../targets/sql/migrator-parts.js';
import type { AdoptEvents } from './adopt-events.js';
import type { AdoptedStep, ToolLedgerReader } from './tool-ledger.js';
import { findToolReader, TOOL_READERS } from './tools/index.js';

export interface AdoptOptions {
  /** The tool whose ledger to take over: its `--from` name ('dbmate', 'flyway', ...) or a reader of your own. */
  from: string | ToolLedgerReader;
  /** The tool's migrations folder (default: the tool's own default, from the current directory). */
  dir?: string;
  /** The tool's ledger table, when it is not the tool's default name. */
  table?: string;
  /** Check everything and report the rows it would write; write nothing, take no lock. */
  dryRun?: boolean;
  /**
   * Reads the tool's folder as Strata migrations (versions, names, Strata's checksums, origins).
   * Default: Strata's folder source, with the reader's format.
   */
  readFolder?: (dir: string, reader: ToolLedgerReader, driver: SqlDriver) => Migration<unknown>[];
}

/** A step of the tool's ledger whose file is not in the folder. */
export interface MissingFile {
  version: string;
  name: string;
}

/** A file whose contents no longer match the checksum the tool stored when it ran it. */
export interface ChecksumMismatch {
  version: string;
  file: string;
  stored: string;
  computed: string;
}

export interface AdoptReport {
  tool: string;
  /** The tool's ledger that was read: `schema_migrations`. */
  source: string;
  /** The tool's folder (absolute), or null for a history-only tool whose folder was not read. */
  dir: string | null;
  folder: ToolLedgerReader['folder'];
  dryRun: boolean;
  /** Strata's ledger already held exactly these rows: nothing was written. */
  alreadyAdopted: boolean;
  /** The rows written (or, in a dry run, that would be). */
  entries: LedgerEntry[];
  /** How many files' stored checksums were verified against their contents. */
  checksumsVerified: number;
  /**
   * Files in the folder that the tool never ran: pending for Strata. `outOfOrder`: older than
   * the tool's last step (migrate refuses them unless --allow-out-of-order).
   */
  pending: { version: string; name: string; origin: string; outOfOrder: boolean }[];
  /**
   * What Strata's config should say afterwards: the folder and its format for an in-place
   * folder (relative to the current directory); null for history only (new migrations go in a
   * folder of Strata's own).
   */
  config: { dir: string; format?: string } | null;
  durationMs: number;
}

/** Takes over another tool's history on a migrator made by createMigrator. */
export async function adopt(migrator: { events: EventChannel<any> }, options: AdoptOptions): Promise<AdoptReport> {
  const started = clock();
  const reader = typeof options.from === 'string' ? readerNamed(options.from) : options.from;
  const parts = sqlPartsOf(migrator);
  if (!parts) {
    throw new StrataError(ErrorCode.USAGE, 'adopt needs a SQL migrator made by createMigrator', {
      hint: "create it with createMigrator({ db, dir }) and pass it to adopt(migrator, { from: 'dbmate' })",
    });
  }
  const { driver, target } = parts;
  const events = migrator.events as EventChannel<AdoptEvents>;
  const dryRun = options.dryRun === true;
  const dir = resolve(options.dir ?? reader.defaultDir);
  const { exists } = await target.open(dryRun ? 'read' : 'write');
  if (!exists) throw ledgerMissing(reader, target.description, options.table);
  const release = dryRun
    ? async () => {}
    : await takeLock(
        (timeoutMs, onWaiting) => target.lock(timeoutMs, onWaiting),
        target.description,
        parts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
        migrator.events,
      );
  try {
    const history = await reader.read(driver, { dir, ...(options.table ? { table: options.table } : {}) });
    if (!history) throw ledgerMissing(reader, target.description, options.table);
    events.emit('adopt:read', { tool: reader.tool, source: history.source, steps: history.steps.length });
    if (history.unfinished.length) throw unfinished(reader, history.source, history.unfinished);
    const steps = dedupe(history.steps.map((step) => ({ ...step, version: canonicalVersion(step.version) })));

    const inPlace = reader.folder === 'in-place';
    const migrations = inPlace ? (options.readFolder ?? defaultReadFolder)(dir, reader, driver) : [];
    const matched = inPlace ? matchFiles(steps, migrations, reader, dir) : new Map<string, Migration<unknown>>();
    const mismatches = inPlace ? verifyChecksums(steps, matched, reader, dir) : { verified: 0, mismatches: [] };
    if (mismatches.mismatches.length) throw checksumMismatch(reader, mismatches.mismatches);
    const pending = pendingFiles(steps, migrations);
    events.emit('adopt:checked', {
      tool: reader.tool,
      dir: inPlace ? dir : null,
      steps: steps.length,
      checksumsVerified: mismatches.verified,
      pending: pending.length,
    });

    const now = (parts.now ?? (() => new Date()))().toISOString();
    const entries = steps.map((step) => entryFor(step, matched.get(step.version), reader.tool, now));
    const existing = await target.readLedger();
    const alreadyAdopted = entries.length > 0 && entries.every((e) => existing.some((row) => row.version === e.version && row.checksum === e.checksum));
    if (!alreadyAdopted && existing.length) throw ledgerNotEmpty(reader, target.description, existing, entries);
    if (!dryRun && !alreadyAdopted && entries.length) {
      await target.ensureLedger();
      // One transaction: an adoption is all its rows or none of them.
      await target.transaction(
        async () => {
          for (const entry of entries) await target.writeLedger(entry);
        },
        { foreignKeys: true },
      );
    }
    const durationMs = elapsedSince(started);
    events.emit('adopt:done', { tool: reader.tool, dryRun, written: alreadyAdopted || dryRun ? 0 : entries.length, alreadyAdopted, durationMs });
    const shownDir = relative(process.cwd(), dir) || '.';
    return {
      tool: reader.tool,
      source: history.source,
      dir: inPlace ? dir : null,
      folder: reader.folder,
      dryRun,
      alreadyAdopted,
      entries,
      checksumsVerified: mismatches.verified,
      pending,
      config: inPlace ? { dir: shownDir, ...(reader.format ? { format: reader.format } : {}) } : null,
      durationMs,
    };
  } finally {
    await release();
  }
}

/** The tools `adopt` can read, by `--from` name. */
export function adoptableTools(): string[] {
  return TOOL_READERS.map((reader) => reader.tool);
}

function readerNamed(name: string): ToolLedgerReader {
  const reader = findToolReader(name);
  if (reader) return reader;
  const tools = adoptableTools();
  throw new StrataError(ErrorCode.ADOPT_TOOL_UNKNOWN, `strata cannot adopt from ${JSON.stringify(name)}`, {
    hint: `--from takes one of: ${tools.join(', ')}`,
    details: { tool: name, tools },
  });
}

function defaultReadFolder(dir: string, reader: ToolLedgerReader, driver: SqlDriver): Migration<unknown>[] {
  // The tool's own format, never detection: the folder is the tool's by definition.
  const format = (reader.format ?? 'strata') as FormatName;
  if (!FORMAT_NAMES.includes(format)) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `the ${reader.tool} reader names the format ${JSON.stringify(reader.format)}, which Strata does not read`, {
      hint: `a reader's format is one of ${FORMAT_NAMES.join(', ')}, or none for a history-only tool`,
    });
  }
  return readMigrationFolder<unknown>(dir, { dialect: driver.dialect.lexer, displayRoot: process.cwd(), format });
}

/** A tool that logs every run (goose) may list a version twice: the reader replays, the last word wins. */
function dedupe(steps: AdoptedStep[]): AdoptedStep[] {
  const byVersion = new Map<string, AdoptedStep>();
  for (const step of steps) byVersion.set(step.version, step);
  return [...byVersion.values()].sort((a, b) => compareVersions(a.version, b.version));
}

/** Each step's file in the folder, by version; a step without one stops the adoption. */
function matchFiles(
  steps: readonly AdoptedStep[],
  migrations: readonly Migration<unknown>[],
  reader: ToolLedgerReader,
  dir: string,
): Map<string, Migration<unknown>> {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  const matched = new Map<string, Migration<unknown>>();
  const missing: MissingFile[] = [];
  for (const step of steps) {
    if (step.historyOnly) continue;
    const migration = byVersion.get(step.version);
    if (migration) matched.set(step.version, migration);
    else missing.push({ version: step.version, name: step.name });
  }
  if (missing.length) {
    const shown = relative(process.cwd(), dir) || '.';
    throw new StrataError(
      ErrorCode.ADOPT_FILE_MISSING,
      `${missing.length} step${missing.length > 1 ? 's' : ''} of the ${reader.tool} ledger ${missing.length > 1 ? 'have' : 'has'} no file in ${shown}: ${missing.map((m) => `${m.version} (${m.name})`).join(', ')}`,
      {
        hint: `point --dir at the folder ${reader.tool} ran them from (default ${reader.defaultDir}), or restore the files from version control; nothing was written`,
        details: { dir, steps: missing },
      },
    );
  }
  return matched;
}

function verifyChecksums(
  steps: readonly AdoptedStep[],
  matched: ReadonlyMap<string, Migration<unknown>>,
  reader: ToolLedgerReader,
  dir: string,
): { verified: number; mismatches: ChecksumMismatch[] } {
  let verified = 0;
  const mismatches: ChecksumMismatch[] = [];
  if (!reader.checksumOf) return { verified, mismatches };
  for (const step of steps) {
    const migration = matched.get(step.version);
    if (step.storedChecksum === undefined || !migration) continue;
    const path = resolve(process.cwd(), migration.origin);
    const file = { path, contents: readFileSync(path), dir };
    const computed = reader.checksumOf(file);
    const holds = reader.checksumMatches ? reader.checksumMatches(file, step.storedChecksum) : computed === step.storedChecksum;
    verified++;
    if (!holds) mismatches.push({ version: step.version, file: migration.origin, stored: step.storedChecksum, computed });
  }
  return { verified, mismatches };
}

function pendingFiles(steps: readonly AdoptedStep[], migrations: readonly Migration<unknown>[]): AdoptReport['pending'] {
  const adopted = new Set(steps.map((s) => s.version));
  const last = steps.at(-1)?.version;
  return migrations
    .filter((m) => !adopted.has(m.version))
    .map((m) => ({ version: m.version, name: m.name, origin: m.origin, outOfOrder: last !== undefined && compareVersions(m.version, last) < 0 }));
}

function entryFor(step: AdoptedStep, migration: Migration<unknown> | undefined, tool: string, now: string): LedgerEntry {
  return {
    version: step.version,
    name: migration?.name ?? historyName(step),
    checksum: migration?.checksum ?? adoptedHistoryChecksum(tool),
    appliedAt: step.appliedAt ?? now,
    durationMs: 0,
    status: 'applied',
    operation: 'adopt',
    statementsApplied: 0,
    error: null,
    adoptedFrom: tool,
  };
}

/** `20230101120000_create_users.js` -> `create_users`: the label then reads like a file's. */
function historyName(step: AdoptedStep): string {
  const base = step.name.replace(/^.*[\\/]/, '').replace(/\.[cm]?[jt]s$/, '');
  // umzug's timestamped names (`2024.01.15T12.30.45.create-users`) carry dots inside the version.
  const withoutVersion = base.replace(/^\d{4}\.\d{2}\.\d{2}(?:T\d{2}\.\d{2}\.\d{2})?\./, '').replace(/^\d+[_-]?/, '');
  return withoutVersion || base || step.version;
}

function ledgerMissing(reader: ToolLedgerReader, database: string, table: string | undefined): StrataError {
  const what = table ?? reader.defaultTable ?? `${reader.tool}'s ledger`;
  return new StrataError(ErrorCode.ADOPT_LEDGER_MISSING, `${database} has no ${reader.tool} ledger: ${what} is not there`, {
    hint: `check --db (and --schema) point at the database ${reader.tool} migrated${table ? '' : ', and pass --table if its ledger has another name'}`,
    details: { tool: reader.tool, table: what },
  });
}

function unfinished(reader: ToolLedgerReader, source: string, steps: readonly { version: string; name: string; reason: string }[]): StrataError {
  const list = steps.map((s) => `${s.version} (${s.name}): ${s.reason}`).join('; ');
  return new StrataError(
    ErrorCode.ADOPT_STEP_UNFINISHED,
    `the ${reader.tool} ledger (${source}) has ${steps.length > 1 ? `${steps.length} unfinished steps` : 'an unfinished step'}: ${list}`,
    {
      hint: `a step ${reader.tool} did not finish may be half-applied: inspect the database, finish or undo it with ${reader.tool} (or fix its ledger by hand), then adopt again; nothing was written`,
      details: { tool: reader.tool, source, steps },
    },
  );
}

function checksumMismatch(reader: ToolLedgerReader, mismatches: readonly ChecksumMismatch[]): StrataError {
  const list = mismatches.map((m) => `${m.file} (stored ${m.stored}, now ${m.computed})`).join('; ');
  return new StrataError(
    ErrorCode.ADOPT_CHECKSUM_MISMATCH,
    `${mismatches.length} file${mismatches.length > 1 ? 's were' : ' was'} edited after ${reader.tool} applied ${mismatches.length > 1 ? 'them' : 'it'}: ${list}`,
    {
      hint: `restore the applied version of each file from version control (the database holds what ${reader.tool} ran), then adopt again; nothing was written`,
      details: { tool: reader.tool, files: mismatches },
    },
  );
}

function ledgerNotEmpty(reader: ToolLedgerReader, database: string, existing: readonly LedgerEntry[], entries: readonly LedgerEntry[]): StrataError {
  const wanted = new Map(entries.map((e) => [e.version, e]));
  // Rows adopt would not write come first: they are why it refuses (a partial match too: the rest is missing).
  const other = existing.filter((row) => wanted.get(row.version)?.checksum !== row.checksum);
  const shown = (other.length ? other : existing).slice(0, 5).map(migrationLabel).join(', ');
  const status = nextCommand('status');
  return new StrataError(
    ErrorCode.ADOPT_LEDGER_NOT_EMPTY,
    `Strata's ledger in ${database} already has ${existing.length} row${existing.length > 1 ? 's' : ''} (${shown}${existing.length > 5 ? ', ...' : ''}): adopt takes over a database Strata has not migrated yet`,
    {
      hint: `'${commandLine(status)}' shows what Strata already recorded; adopt into a database whose Strata ledger is empty`,
      next: [status],
      details: { tool: reader.tool, rows: other.map((row) => ({ version: row.version, name: row.name })) },
    },
  );
}
