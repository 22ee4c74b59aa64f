/** Journal sinks with no node: imports: in memory, and in Web Storage (localStorage) as JSON lines. */
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { asEntry, filterEntries, type JournalEntry, type NormalizedQuery } from './entry.js';
import type { JournalSink } from './journal.js';

export function memoryJournalSink(entries: JournalEntry[] = []): JournalSink & { readonly entries: JournalEntry[] } {
  const keys = new Set(entries.map(key));
  return {
    description: 'memory',
    entries,
    append(batch) {
      for (const entry of batch) {
        if (keys.has(key(entry))) continue;
        keys.add(key(entry));
        entries.push(structuredClone(entry));
      }
    },
    query: (query: NormalizedQuery) => filterEntries(entries, query).map((e) => structuredClone(e)),
  };
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface StorageJournalOptions {
  /** Default `strata:journal`. */
  key?: string;
  /** Oldest entries are dropped past this many (default 5000: Web Storage holds a few MB). */
  maxEntries?: number;
}

/**
 * The journal in one Web Storage key (localStorage in a browser or Electron renderer), as JSON
 * lines. Append is read-modify-write of that key, synchronous; a line that does not parse is skipped.
 */
export function webStorageJournalSink(storage: StorageLike, options: StorageJournalOptions = {}): JournalSink {
  const storageKey = options.key ?? 'strata:journal';
  const max = options.maxEntries ?? 5000;
  const read = (): JournalEntry[] => {
    const text = storage.getItem(storageKey);
    if (!text) return [];
    return parseJsonLines(text).entries;
  };
  return {
    description: `storage:${storageKey}`,
    append(batch) {
      const existing = read();
      const keys = new Set(existing.map(key));
      const all = [...existing, ...batch.filter((e) => !keys.has(key(e)))].slice(-max);
      try {
        storage.setItem(storageKey, `${all.map((e) => JSON.stringify(e)).join('\n')}\n`);
      } catch (error) {
        throw new StrataError(ErrorCode.STORE_WRITE_FAILED, `could not write the journal to ${storageKey}: ${messageOf(error)}`, {
          hint: 'storage is full: lower maxEntries, or clear old entries',
          cause: error,
        });
      }
    },
    query: (query) => filterEntries(read(), query),
  };
}

/** JSON lines to entries: blank lines and lines that are not entries (a torn last write) are skipped and counted. */
export function parseJsonLines(text: string): { entries: JournalEntry[]; skipped: number } {
  const entries: JournalEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: JournalEntry | null = null;
    try {
      entry = asEntry(JSON.parse(line));
    } catch {
      entry = null;
    }
    if (entry) entries.push(entry);
    else skipped++;
  }
  return { entries, skipped };
}

function key(entry: JournalEntry): string {
  return `${entry.runId}#${entry.seq}`;
}
