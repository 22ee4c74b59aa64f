/**
 * The seam between the folder source and other tools' migration folders, read in place (issue 15).
 * A format says how to recognise a folder as its tool's, and how to get each migration's version,
 * name, files and up/down bodies out of it; the folder source turns what it returns into
 * Migrations (checksums, placeholders, lazy parsing) the same way for every format.
 *
 * How to add one (src/sources/formats/<tool>.ts):
 * 1. `signature(folder)`: the entries only this tool writes (a `meta/_journal.json`, `V1__x.sql`
 *    names, `-- +goose Up` markers); [] when there are none. Used to detect the format and to
 *    refuse folders that mix two tools.
 * 2. `read(folder)`: one FormatStep per migration; refuse what the tool allows but Strata cannot
 *    run with FORMAT_UNSUPPORTED, and malformed files with MIGRATION_INVALID naming file and line.
 * 3. Export the tool's own checksum of a file where the tool stores one, so `strata adopt` can
 *    compare it with the tool's ledger (strata-migrate/tooling re-exports it).
 * 4. Register it in ./index.ts, document it in docs/formats.md, give it a fixture folder.
 */
import type { SqlBody } from '../../model/migration.js';
import type { SqlSyntax } from '../sql/split-statements.js';

/** Strata's own layout (dbmate sections, golang-migrate pairs, modules) and the tools read in place. */
export const FORMAT_NAMES = ['strata', 'flyway', 'goose', 'prisma', 'drizzle', 'sqlx', 'd1', 'atlas'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

/** A folder as a format sees it: names relative to the folder, read once per call. */
export interface FolderView {
  /** The folder's absolute path. */
  readonly dir: string;
  /** Its entries (files and folders), sorted, without dot-files. */
  readonly entries: readonly string[];
  /** A relative path as messages show it (relative to the display root). */
  display(path: string): string;
  absolute(path: string): string;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  /** Entries of a subfolder, sorted, without dot-files. */
  list(path: string): string[];
  /** The file's text, line endings normalised (what Strata's checksum and the parser see). */
  text(path: string): string;
  /** The file's bytes as stored (what the tools' own checksums hash). */
  bytes(path: string): Buffer;
}

/** One file of a step: `path` relative to the folder. */
export interface FormatFile {
  path: string;
  /** For messages: relative to the display root. */
  display: string;
  text: string;
}

/** One migration as a format reads it; the folder source makes a Migration of it. */
export interface FormatStep {
  /** Canonical (model/version.ts). */
  version: string;
  name: string;
  file: FormatFile;
  /** A separate down file (Flyway's U file, sqlx's `.down.sql`). */
  downFile?: FormatFile;
  /**
   * Bodies from the file texts (placeholders already replaced): called when the step is about to
   * run or be shown, never just to plan.
   */
  parse(text: string, downText: string | undefined, syntax: SqlSyntax): { up: SqlBody; down: SqlBody | undefined };
}

export interface MigrationFormat {
  readonly name: FormatName;
  /** The tool's name in messages: 'Flyway', 'goose'. */
  readonly title: string;
  /** Entries (relative paths) that only this tool writes; [] when there are none. */
  signature(folder: FolderView): string[];
  read(folder: FolderView): FormatStep[];
}
