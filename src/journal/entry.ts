/**
 * A journal entry and how entries are filtered. Runtime-agnostic (no node: imports): the journal
 * core runs wherever the document migrator runs.
 */
import { ErrorCode, StrataError } from '../model/errors.js';

export const JOURNAL_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type JournalLevel = (typeof JOURNAL_LEVELS)[number];

export interface JournalEntry {
  /** One migrate / rollback / import run; every entry of that run shares it. */
  runId: string;
  /** 1-based position of the entry within its run: (runId, seq) is unique. */
  seq: number;
  /** ISO 8601 UTC. */
  time: string;
  level: JournalLevel;
  /** The store: `sqlite:app.db`, `memory:document`, `file:/home/me/state.json`. */
  target: string;
  /** The migration's version, when the event is about one. */
  migration: string | null;
  /** The engine event (`migrating`, `failed`, ...), `run:metrics`, or an app's own name. */
  event: string;
  message: string;
  data: Record<string, unknown>;
}

export interface JournalQuery {
  /** The lowest level returned (ERROR: errors only). */
  level?: JournalLevel | Lowercase<JournalLevel>;
  /** Entries at or after / at or before this time (a Date, an ISO string or epoch ms). */
  since?: Date | string | number;
  until?: Date | string | number;
  /** A migration's version. */
  migration?: string;
  runId?: string;
  event?: string;
  /** The newest N entries that match (returned oldest first). */
  limit?: number;
}

/** A query with its times as ISO strings and its level checked: what sinks receive. */
export interface NormalizedQuery {
  minRank: number;
  since: string | undefined;
  until: string | undefined;
  migration: string | undefined;
  runId: string | undefined;
  event: string | undefined;
  limit: number | undefined;
}

export function levelRank(level: string): number {
  const rank = JOURNAL_LEVELS.indexOf(level.toUpperCase() as JournalLevel);
  if (rank < 0) {
    throw new StrataError(ErrorCode.USAGE, `unknown journal level ${JSON.stringify(level)}`, { hint: `use one of ${JOURNAL_LEVELS.join(', ')}` });
  }
  return rank;
}

export function toLevel(level: string): JournalLevel {
  return JOURNAL_LEVELS[levelRank(level)]!;
}

export function toIsoTime(value: Date | string | number, what = 'time'): string {
  const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new StrataError(ErrorCode.USAGE, `${what} ${JSON.stringify(String(value))} is not a date or time`, {
      hint: 'e.g. 2025-01-31, 2025-01-31T12:00:00Z, or epoch milliseconds',
    });
  }
  return date.toISOString();
}

export function normalizeQuery(query: JournalQuery = {}): NormalizedQuery {
  if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 0)) {
    throw new StrataError(ErrorCode.USAGE, `limit must be a non-negative integer, got ${query.limit}`, { hint: 'e.g. { limit: 100 }' });
  }
  return {
    minRank: query.level === undefined ? 0 : levelRank(query.level),
    since: query.since === undefined ? undefined : toIsoTime(query.since, 'since'),
    until: query.until === undefined ? undefined : toIsoTime(query.until, 'until'),
    migration: query.migration,
    runId: query.runId,
    event: query.event,
    limit: query.limit,
  };
}

export function matches(entry: JournalEntry, query: NormalizedQuery): boolean {
  return (
    levelRank(entry.level) >= query.minRank &&
    (query.since === undefined || entry.time >= query.since) &&
    (query.until === undefined || entry.time <= query.until) &&
    (query.migration === undefined || entry.migration === query.migration) &&
    (query.runId === undefined || entry.runId === query.runId) &&
    (query.event === undefined || entry.event === query.event)
  );
}

/** Time order (then run and position); the newest `limit` kept. For sinks that filter in memory. */
export function filterEntries(entries: Iterable<JournalEntry>, query: NormalizedQuery): JournalEntry[] {
  const found = [...entries].filter((e) => matches(e, query)).sort(compareEntries);
  return query.limit === undefined ? found : found.slice(Math.max(0, found.length - query.limit));
}

export function compareEntries(a: JournalEntry, b: JournalEntry): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.runId !== b.runId) return a.runId < b.runId ? -1 : 1;
  return a.seq - b.seq;
}

/** Checks a value read back from storage (a JSON line, a row) is an entry; null if not. */
export function asEntry(value: unknown): JournalEntry | null {
  if (typeof value !== 'object' || value === null) return null;
  const e = value as Record<string, unknown>;
  if (typeof e.runId !== 'string' || typeof e.seq !== 'number' || typeof e.time !== 'string' || typeof e.event !== 'string') return null;
  if (typeof e.level !== 'string' || !JOURNAL_LEVELS.includes(e.level as JournalLevel)) return null;
  return {
    runId: e.runId,
    seq: e.seq,
    time: e.time,
    level: e.level as JournalLevel,
    target: typeof e.target === 'string' ? e.target : '',
    migration: typeof e.migration === 'string' ? e.migration : null,
    event: e.event,
    message: typeof e.message === 'string' ? e.message : '',
    data: typeof e.data === 'object' && e.data !== null ? (e.data as Record<string, unknown>) : {},
  };
}

/**
 * A relative time for `--since` / `--until`: `30s`, `15m`, `2h`, `7d` ago, or anything toIsoTime
 * reads (a date, a date-time).
 */
export function parseTimeOption(text: string, now: Date = new Date(), what = 'time'): string {
  const relative = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(relative[1]) * unit).toISOString();
  }
  return toIsoTime(text, what);
}
