/**
 * Journal exports: JSON (an array of entries) and CSV (RFC 4180: every field that holds a comma,
 * a quote, CR or LF is quoted, quotes doubled; `data` as JSON text). parseJournalCsv reads an
 * export back.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import { asEntry, type JournalEntry } from './entry.js';

export type JournalExportFormat = 'json' | 'csv';

export const CSV_COLUMNS = ['runId', 'seq', 'time', 'level', 'target', 'migration', 'event', 'message', 'data'] as const;

export function exportEntries(entries: readonly JournalEntry[], format: JournalExportFormat): string {
  if (format === 'json') return `${JSON.stringify(entries, null, 2)}\n`;
  if (format === 'csv') return toCsv(entries);
  throw new StrataError(ErrorCode.USAGE, `unknown export format ${JSON.stringify(format)}`, { hint: 'use json or csv' });
}

export function toCsv(entries: readonly JournalEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) {
    lines.push([e.runId, String(e.seq), e.time, e.level, e.target, e.migration ?? '', e.event, e.message, JSON.stringify(e.data)].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      endField();
      i++;
    } else if (c === '\r' || c === '\n') {
      endField();
      records.push(record);
      record = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new StrataError(ErrorCode.USAGE, 'the CSV ends inside a quoted field', { hint: 'the export is truncated' });
  if (field !== '' || record.length) {
    endField();
    records.push(record);
  }
  return records;
}

/** A CSV export back into entries (the header names the columns). */
export function parseJournalCsv(text: string): JournalEntry[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const at = (name: string) => header.indexOf(name);
  return rows.map((row, n) => {
    const get = (name: string) => row[at(name)] ?? '';
    const entry = asEntry({
      runId: get('runId'),
      seq: Number(get('seq')),
      time: get('time'),
      level: get('level'),
      target: get('target'),
      migration: get('migration') === '' ? null : get('migration'),
      event: get('event'),
      message: get('message'),
      data: get('data') ? JSON.parse(get('data')) : {},
    });
    if (!entry) throw new StrataError(ErrorCode.USAGE, `CSV row ${n + 2} is not a journal entry`);
    return entry;
  });
}

export function parseJournalJson(text: string): JournalEntry[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new StrataError(ErrorCode.USAGE, 'a JSON journal export is an array of entries');
  return parsed.map((value, n) => {
    const entry = asEntry(value);
    if (!entry) throw new StrataError(ErrorCode.USAGE, `item ${n} of the JSON export is not a journal entry`);
    return entry;
  });
}
