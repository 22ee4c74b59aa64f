/**
 * SQLite's schema stamp: a sha256 of the `CREATE` text of every object in `sqlite_schema` (but
 * SQLite's internal `sqlite_*` ones), in the table's own order, read in one statement.
 *
 * Why not `PRAGMA schema_version`, which is cheaper still: it is a counter, not the schema, and
 * it does not only go up. The online backup API gives the destination its own old counter plus
 * one, so a backup written to a new file starts at 1 (measured), and so does a database made
 * from it: a few hand changes later it can show the value its copied ledger stored for another
 * schema. The `CREATE` text, on the other hand, is everything SQLite knows about the schema: the
 * pragmas the reader asks (table_xinfo, foreign_key_list, index_list) are parsed from it, and it
 * names its object and table (SQLite rewrites it on every ALTER and rename). So an equal text is
 * an equal schema, whatever happened to the file in between.
 * The rows are taken in the table's order, not sorted: sorting 2,000 rows cost as much again as
 * reading them (1,000 tables: 1.1 ms unsorted, 1.6 ms sorted, 1.0 ms to list the tables). The
 * order changes only when rows are written or `VACUUM` rebuilds the file (it copies tables, then
 * indexes, then views and triggers): a false alarm (one full read per check until the next run
 * stores a stamp), never a missed change.
 */
import { sha256Hex } from '../../../sources/sha256.js';
import type { SqlDriver } from '../driver.js';

/** Bumped when what the stamp covers changes (an old stored stamp then never equals a new one). */
const STAMP_VERSION = 'sqlite1';

// One string, one row over the driver; U+001E between texts (no CREATE statement holds one
// outside a string literal).
const STAMP_QUERY = `SELECT group_concat(sql, char(30)) AS text FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`;

/**
 * The last few texts hashed on this thread and their stamps. A target's stamp is read up to three
 * times a run (the lint key, the drift check, the step's ledger row), and a fleet's worker reads
 * the same texts target after target: comparing a text with one kept costs less than hashing it
 * again (a sha256 object, the digest, its hex). A pure memo of sha256 over the exact text: the
 * text is still read every time, so it can never answer for a schema it did not just read.
 */
const hashed = new Map<string, string>();
const HASHED_CAPACITY = 4;
/** Longer texts are hashed every time: the memo keeps small schemas, not copies of a large one for the life of the process. */
const HASHED_MAX_LENGTH = 256 * 1024;

export async function sqliteSchemaStamp(driver: SqlDriver): Promise<string> {
  const [row] = await driver.query<{ text: string | null }>(STAMP_QUERY);
  return stampOfText(row?.text ?? '');
}

/** The stamp of a schema's text (exported for its test). */
export function stampOfText(text: string): string {
  if (text.length > HASHED_MAX_LENGTH) return `${STAMP_VERSION}:${sha256Hex(text)}`;
  let stamp = hashed.get(text);
  if (stamp === undefined) {
    stamp = `${STAMP_VERSION}:${sha256Hex(text)}`;
    if (hashed.size >= HASHED_CAPACITY) hashed.delete(hashed.keys().next().value as string);
    hashed.set(text, stamp);
  }
  return stamp;
}

/** The texts the memo holds now (for its test). */
export function keptStampTexts(): readonly string[] {
  return [...hashed.keys()];
}
