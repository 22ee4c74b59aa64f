/**
 * `strata create NAME` in another tool's folder: the next migration named and laid out as that
 * tool writes it, so the folder stays the tool's (and keeps reading as it). The files are written
 * by the caller, never over an existing one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions } from '../../model/version.js';
import { unsupported } from './format-errors.js';
import { folderView } from './folder-view.js';
import type { FormatName } from './format.js';
import { formatOf } from './index.js';

const TIMESTAMP_DIGITS = 14;

export interface ScaffoldOptions {
  /** Version it with a UTC timestamp even in a sequentially numbered folder. */
  timestamp?: boolean;
  now?: Date;
}

export interface Scaffold {
  version: string;
  /** Absolute paths, with their text. */
  files: { path: string; text: string }[];
}

/**
 * The next number after `numbers` (as written in file names): a UTC timestamp in a timestamped
 * folder (or when asked), else the next integer, zero-padded like the folder's (4 digits in a new one).
 */
export function nextNumber(numbers: readonly string[], now: Date, options: { timestamp?: boolean; width?: number } = {}): string {
  const highest = numbers
    .map((d) => d.replace(/^0+(?=\d)/, ''))
    .sort(compareVersions)
    .at(-1);
  if (options.timestamp === true || numbers.some((d) => d.length >= TIMESTAMP_DIGITS)) {
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, TIMESTAMP_DIGITS);
    return highest !== undefined && compareVersions(stamp, highest) <= 0 ? (BigInt(highest) + 1n).toString() : stamp;
  }
  const width = numbers.length ? Math.max(...numbers.map((d) => d.length)) : (options.width ?? 4);
  return (BigInt(highest ?? '0') + 1n).toString().padStart(width, '0');
}

/** The files of a new migration `name` in `dir`, in `format`'s layout. */
export function scaffoldMigration(dir: string, format: FormatName, name: string, options: ScaffoldOptions = {}): Scaffold {
  const now = options.now ?? new Date();
  const entries = (() => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  })();
  const folder = folderView(dir, entries, dir);
  const numbers = (pattern: RegExp) => folder.entries.map((entry) => pattern.exec(entry)?.[1]).filter((d): d is string => d !== undefined);
  const file = (path: string, text: string) => ({ path: join(dir, path), text });
  switch (format) {
    case 'flyway': {
      // Flyway's own examples start at V1.
      const version = nextNumber(numbers(/^V(\d+)/), now, { ...options, width: 1 });
      const undo = folder.entries.some((entry) => /^U\d/.test(entry));
      return {
        version,
        files: [file(`V${version}__${name}.sql`, ''), ...(undo ? [file(`U${version}__${name}.sql`, '')] : [])],
      };
    }
    case 'goose': {
      // `goose create` numbers with timestamps unless told -s; a sequential folder stays sequential.
      const existing = numbers(/^(\d+)_.*\.(?:sql|go)$/);
      const version = nextNumber(existing, now, { timestamp: options.timestamp || existing.length === 0 });
      return { version, files: [file(`${version}_${name}.sql`, '-- +goose Up\n\n\n-- +goose Down\n\n')] };
    }
    case 'prisma': {
      const version = nextNumber(numbers(/^(\d+)_/), now, { timestamp: true });
      return { version, files: [file(`${version}_${name}/migration.sql`, '')] };
    }
    case 'sqlx': {
      const existing = numbers(/^(\d+)_.*\.sql$/);
      const version = nextNumber(existing, now, { timestamp: options.timestamp || existing.length === 0 });
      const reversible = folder.entries.some((entry) => entry.endsWith('.up.sql')) || existing.length === 0;
      return {
        version,
        files: reversible
          ? [file(`${version}_${name}.up.sql`, '-- Add up migration script here\n'), file(`${version}_${name}.down.sql`, '-- Add down migration script here\n')]
          : [file(`${version}_${name}.sql`, '-- Add migration script here\n')],
      };
    }
    case 'd1': {
      const version = nextNumber(numbers(/^(\d+)_.*\.sql$/), now, options);
      return { version, files: [file(`${version}_${name}.sql`, `-- Migration number: ${version} \t ${now.toISOString()}\n`)] };
    }
    case 'atlas': {
      const version = nextNumber(numbers(/^(\d+).*\.sql$/), now, { timestamp: true });
      return { version, files: [file(`${version}_${name}.sql`, '')] };
    }
    case 'strata':
      throw new Error("Strata's own files are scaffolded by 'strata create' itself");
    case 'drizzle': {
      const title = formatOf(format)?.title ?? format;
      throw unsupported(
        { name: format, title },
        dir,
        `a new migration written by Strata (drizzle's journal and snapshots are drizzle-kit's to write)`,
        `create it with drizzle-kit: 'npx drizzle-kit generate --custom --name ${name}' (an empty SQL migration in the journal)`,
      );
    }
  }
}
