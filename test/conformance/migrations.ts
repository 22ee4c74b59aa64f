/**
 * The migrations the conformance suite runs, in SQL every dialect accepts as written, and the
 * helpers that put them in a folder.
 */
import { tempDir, writeFiles } from '../helpers.js';

export const MIGRATIONS = {
  '0001_items.sql': `-- migrate:up
CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);
INSERT INTO items (id, name) VALUES (1, 'first');
-- migrate:down
DROP TABLE items;
`,
  '0002_tags.sql': `-- migrate:up
CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id), label VARCHAR(50) NOT NULL);
-- migrate:down
DROP TABLE tags;
`,
  '0003_item_note.sql': `-- migrate:up
ALTER TABLE items ADD COLUMN note VARCHAR(200);
UPDATE items SET note = 'kept' WHERE id = 1;
-- migrate:down
ALTER TABLE items DROP COLUMN note;
`,
};

/** Statements each migration above runs on the way up. */
export const STATEMENTS_UP = [2, 1, 2];

/** Fails at its third statement, after a CREATE TABLE and an INSERT. */
export const FAILING = {
  '0004_half.sql': `-- migrate:up
CREATE TABLE half (id INTEGER PRIMARY KEY);
INSERT INTO half (id) VALUES (1);
INSERT INTO missing_table (id) VALUES (1);
-- migrate:down
DROP TABLE half;
`,
};

/** Its down fails at its second statement, after deleting every row. */
export const FAILING_DOWN = {
  '0001_kept.sql': `-- migrate:up
CREATE TABLE kept (id INTEGER PRIMARY KEY);
INSERT INTO kept (id) VALUES (1);
-- migrate:down
DELETE FROM kept;
DROP TABLE missing_table;
`,
};

/** Statement 2 starts on line 3 of the file; its syntax error, the second WHERE, is on line 5, column 20. */
export const SYNTAX_ERROR = {
  '0001_probe.sql': `-- migrate:up
CREATE TABLE probe (id INTEGER PRIMARY KEY);
SELECT id,
  id
  FROM probe WHERE WHERE id = 1;
-- migrate:down
DROP TABLE probe;
`,
};

/** A fresh folder holding `files`. */
export function folder(files: Record<string, string>): string {
  const dir = tempDir();
  writeFiles(dir, files);
  return dir;
}
