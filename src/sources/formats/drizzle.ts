/**
 * drizzle-kit's SQL folder, read in place (https://orm.drizzle.team/docs/kit-overview): `<tag>.sql`
 * files listed in `meta/_journal.json` (`entries: [{ idx, version, when, tag, breakpoints }]`).
 * The journal is authoritative: its order and tags say what runs (as drizzle-orm's migrator reads
 * it); a SQL file it does not list is refused rather than never run. `--> statement-breakpoint`
 * separates statements. The version is the tag's number (`0003_tough_wolverine` is 3): tags
 * without one (drizzle-kit's `prefix: 'none'`) are refused. Up only.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { canonicalVersion, compareVersions } from '../../model/version.js';
import { sqlBodyOf } from '../sql/parse-sql-migration.js';
import { lexerOf, splitStatements, type SplitStatement } from '../sql/split-statements.js';
import { lineAt, malformed, unsupported } from './format-errors.js';
import { folderView } from './folder-view.js';
import type { FolderView, FormatStep, MigrationFormat } from './format.js';

export const DRIZZLE_JOURNAL = 'meta/_journal.json';
const BREAKPOINT = '--> statement-breakpoint';

export interface DrizzleJournalEntry {
  idx: number;
  /** Milliseconds since the epoch: drizzle's ledger (`__drizzle_migrations.created_at`) records this. */
  when: number;
  tag: string;
  breakpoints: boolean;
  /** Strata's version for the entry: the tag's number. */
  strataVersion: string;
}

export const drizzleFormat: MigrationFormat = {
  name: 'drizzle',
  title: 'drizzle',
  signature: (folder) => (folder.exists(DRIZZLE_JOURNAL) ? [DRIZZLE_JOURNAL] : []),
  read(folder) {
    const entries = drizzleJournal(folder);
    const listed = new Set(entries.map((entry) => `${entry.tag}.sql`));
    const strays = folder.entries.filter((entry) => entry.endsWith('.sql') && !entry.startsWith('_') && !listed.has(entry));
    if (strays.length) {
      throw malformed(
        strays.map((stray) => folder.display(stray)).join(', '),
        `not in ${DRIZZLE_JOURNAL}, so drizzle would never run ${strays.length > 1 ? 'them' : 'it'}`,
        "generate migrations with 'drizzle-kit generate' (it writes the journal entry), or remove the file",
      );
    }
    return entries.map((entry): FormatStep => {
      const path = `${entry.tag}.sql`;
      if (!folder.exists(path)) {
        throw malformed(
          folder.display(DRIZZLE_JOURNAL),
          `entry ${entry.idx} names ${path}, which is not in the folder`,
          'restore the file, or regenerate the journal with drizzle-kit',
        );
      }
      const display = folder.display(path);
      return {
        version: entry.strataVersion,
        name: entry.tag.replace(/^\d+_?/, '') || entry.tag,
        file: { path, display, text: folder.text(path) },
        parse: (text, _down, syntax) => {
          const lexer = lexerOf(syntax);
          // As drizzle-orm does, whatever the entry's breakpoints flag says.
          const chunks = text.split(BREAKPOINT);
          const statements: SplitStatement[] = [];
          let offset = 0;
          for (const chunk of chunks) {
            statements.push(...splitStatements(chunk, { lexer, lineOffset: lineAt(text, offset) - 1 }));
            offset += chunk.length + BREAKPOINT.length;
          }
          return { up: sqlBodyOf(statements, lexer, true), down: undefined };
        },
      };
    });
  },
};

/** A drizzle folder's `meta/_journal.json` entries, checked, in order, each with its Strata version (`when` is what drizzle's ledger records). */
export function readDrizzleJournal(dir: string): DrizzleJournalEntry[] {
  return drizzleJournal(folderView(dir, readdirSync(dir), dir));
}

/** The journal's entries, checked, in its order, each with the Strata version of its tag. */
export function drizzleJournal(folder: FolderView): DrizzleJournalEntry[] {
  const shown = folder.display(DRIZZLE_JOURNAL);
  let journal: unknown;
  try {
    journal = JSON.parse(folder.text(DRIZZLE_JOURNAL));
  } catch (error) {
    throw malformed(shown, `is not valid JSON (${(error as Error).message})`, 'restore it from version control, or regenerate it with drizzle-kit');
  }
  const entries = (journal as { entries?: unknown })?.entries;
  if (!Array.isArray(entries)) throw malformed(shown, "has no 'entries' list", 'restore it from version control, or regenerate it with drizzle-kit');
  let previous: DrizzleJournalEntry | undefined;
  return entries.map((raw: unknown, k) => {
    const entry = raw as Partial<DrizzleJournalEntry>;
    if (typeof entry?.tag !== 'string' || typeof entry.when !== 'number') {
      throw malformed(shown, `entry ${k} has no string 'tag' and numeric 'when'`, 'restore it from version control, or regenerate it with drizzle-kit');
    }
    const number = /^(\d+)/.exec(entry.tag);
    if (!number) {
      throw unsupported(
        drizzleFormat,
        shown,
        `the tag '${entry.tag}' has no number (drizzle-kit's prefix: 'none')`,
        "generate migrations with a numbered prefix ('index', the default, or 'timestamp'), renaming the file and its tag",
      );
    }
    const checked: DrizzleJournalEntry = {
      idx: typeof entry.idx === 'number' ? entry.idx : k,
      when: entry.when,
      tag: entry.tag,
      breakpoints: entry.breakpoints !== false,
      strataVersion: canonicalVersion(number[1]!),
    };
    if (previous && compareVersions(checked.strataVersion, previous.strataVersion) <= 0) {
      throw malformed(
        shown,
        `entry ${checked.idx} (${checked.tag}) comes after ${previous.tag} in the journal but its number does not`,
        "number the tags in the journal's order (the journal decides the order drizzle runs them in)",
      );
    }
    previous = checked;
    return checked;
  });
}

/**
 * drizzle's hash of a migration file, as `__drizzle_migrations.hash` stores it: the sha256 hex
 * of the file's SQL as read (drizzle-orm's readMigrationFiles, src/migrator.ts).
 */
export function drizzleChecksum(contents: Buffer | string): string {
  return createHash('sha256').update(contents).digest('hex');
}
