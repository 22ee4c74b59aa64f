/**
 * The journal of a document store in a JSON-lines file (Node, Electron main): one entry per line,
 * appended with O_APPEND and fsync'ed before append() returns, so an entry the journal reported
 * is on disk. A crash mid-write leaves at most a torn last line: readers skip it, and the next
 * append first ends it with a newline so the torn bytes never merge with a new entry.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, readSync, fstatSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCode, StrataError, messageOf } from '../model/errors.js';
import { filterEntries, type JournalEntry } from './entry.js';
import type { JournalSink } from './journal.js';
import { parseJsonLines } from './memory-sink.js';

export interface JsonlJournalOptions {
  /** fsync after every append (default true). */
  fsync?: boolean;
}

export function jsonlJournalSink(path: string, options: JsonlJournalOptions = {}): JournalSink & { readonly path: string } {
  const file = resolve(path);
  const sync = options.fsync !== false;
  // Keys already in the file, read on the first append: appends ignore entries stored before.
  let known: Set<string> | undefined;
  const readAll = (): JournalEntry[] => {
    if (!existsSync(file)) return [];
    try {
      return parseJsonLines(readFileSync(file, 'utf8')).entries;
    } catch (error) {
      throw new StrataError(ErrorCode.STORE_WRITE_FAILED, `cannot read the journal ${file}: ${messageOf(error)}`, { cause: error });
    }
  };
  return {
    description: `file:${file}`,
    path: file,
    append(batch) {
      known ??= new Set(readAll().map((e) => `${e.runId}#${e.seq}`));
      const fresh = batch.filter((e) => !known!.has(`${e.runId}#${e.seq}`));
      if (!fresh.length) return;
      let fd: number | undefined;
      try {
        fd = openSync(file, 'a+', 0o600);
        let text = `${fresh.map((e) => JSON.stringify(e)).join('\n')}\n`;
        if (!endsWithNewline(fd)) text = `\n${text}`;
        writeSync(fd, text);
        if (sync) fsyncSync(fd);
      } catch (error) {
        throw new StrataError(ErrorCode.STORE_WRITE_FAILED, `cannot append to the journal ${file}: ${messageOf(error)}`, {
          hint: 'the folder must exist and be writable',
          cause: error,
        });
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      for (const e of fresh) known.add(`${e.runId}#${e.seq}`);
    },
    query: (query) => filterEntries(readAll(), query),
  };
}

function endsWithNewline(fd: number): boolean {
  const size = fstatSync(fd).size;
  if (size === 0) return true;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}
