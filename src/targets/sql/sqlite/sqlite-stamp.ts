/**
 * SQLite's schema stamp: a sha256 of `sqlite_schema` itself (type, name, table and CREATE text
 * of every object but SQLite's internal `sqlite_*` ones), read in one statement.
 *
 * Why not `PRAGMA schema_version`, which is cheaper still: it is a counter, not the schema, and
 * counters go back. The online backup API writes the destination's old counter plus one, so a
 * database restored from a backup (or copied with `VACUUM INTO`) starts counting again from a
 * small number, and a few hand changes later it can show the value the ledger stored for a
 * different schema. The CREATE text, on the other hand, is everything SQLite knows about the
 * schema: the pragmas the reader asks (table_xinfo, foreign_key_list, index_list) are parsed
 * from it, so equal text is an equal schema, whatever happened to the file in between.
 * It costs about what listing the tables costs (the rows are read either way; hashing ~200 KB
 * for 1,000 tables is well under a millisecond).
 */
import { createHash } from 'node:crypto';
import type { SqlDriver } from '../driver.js';

/** Bumped when what the stamp covers changes (an old stored stamp then never equals a new one). */
const STAMP_VERSION = 'sqlite1';

// The rows in a fixed order (the subquery's ORDER BY), joined with separators no name or SQL
// text holds: one string, one row over the driver.
const STAMP_QUERY = `SELECT group_concat(type || char(31) || name || char(31) || tbl_name || char(31) || coalesce(sql, ''), char(30)) AS text
FROM (SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name)`;

export async function sqliteSchemaStamp(driver: SqlDriver): Promise<string> {
  const [row] = await driver.query<{ text: string | null }>(STAMP_QUERY);
  return `${STAMP_VERSION}:${createHash('sha256')
    .update(row?.text ?? '')
    .digest('hex')}`;
}
