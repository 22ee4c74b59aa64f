/**
 * Migration file names: `NNNN_name.sql` (dbmate / plain), `NNNN_name.up.sql` + `.down.sql`
 * (golang-migrate), `NNNN_name.{ts,mts,js,mjs,cjs}` (modules). dbmate also accepts a bare
 * version or a `-` separator, so we do too.
 */
import { canonicalVersion } from '../model/version.js';

export type MigrationFileKind = 'sql' | 'module';

export interface ParsedFileName {
  version: string;
  name: string;
  kind: MigrationFileKind;
  /** For golang-migrate pairs. */
  part: 'up' | 'down' | undefined;
}

const SQL_EXTENSIONS = ['sql'];
const MODULE_EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'];
// A version is digits (`0001`) or a category of two or more characters and digits (`task001`;
// a single letter is refused so Flyway's `V1__init.sql` is not mistaken for a category `v`).
// The name follows after `_` or `-`.
const MIGRATION_FILE = /^(\d+|[A-Za-z][A-Za-z0-9_]*?[A-Za-z_]\d+)(?:[_-](.+?))?(?:\.(up|down))?\.([a-z]+)$/;

/** Files that are not migrations and are passed over silently. */
export function isIgnoredFile(fileName: string): boolean {
  if (fileName.startsWith('.') || fileName.startsWith('_')) return true;
  if (/\.d\.[mc]?ts$/.test(fileName) || fileName.endsWith('.map')) return true;
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1);
  return !SQL_EXTENSIONS.includes(extension) && !MODULE_EXTENSIONS.includes(extension);
}

/** undefined when the name does not parse (the caller reports it, naming the file). */
export function parseFileName(fileName: string): ParsedFileName | undefined {
  const match = MIGRATION_FILE.exec(fileName);
  if (!match) return undefined;
  const [, digits = '', name = '', part, extension = ''] = match;
  const kind: MigrationFileKind | undefined = SQL_EXTENSIONS.includes(extension) ? 'sql' : MODULE_EXTENSIONS.includes(extension) ? 'module' : undefined;
  if (!kind || (part && kind !== 'sql')) return undefined;
  return { version: canonicalVersion(digits), name, kind, part: part as 'up' | 'down' | undefined };
}
