/** The formats a migrations folder can be in, by name, and how a folder's format is chosen. */
import { existsSync, readdirSync } from 'node:fs';
import { ErrorCode, StrataError } from '../../model/errors.js';
import { atlasFormat } from './atlas.js';
import { d1Format } from './d1.js';
import { drizzleFormat } from './drizzle.js';
import { flywayFormat } from './flyway.js';
import { folderView } from './folder-view.js';
import { gooseFormat, hasGooseMarkers } from './goose.js';
import { prismaFormat } from './prisma.js';
import { sqlxFormat } from './sqlx.js';
import { FORMAT_NAMES, type FolderView, type FormatName, type MigrationFormat } from './format.js';

export { FORMAT_NAMES, type FormatName } from './format.js';

/** Every format but Strata's own, which the folder source reads itself. */
const FORMATS: Partial<Record<FormatName, MigrationFormat>> = {
  flyway: flywayFormat,
  goose: gooseFormat,
  prisma: prismaFormat,
  drizzle: drizzleFormat,
  sqlx: sqlxFormat,
  d1: d1Format,
  atlas: atlasFormat,
};

/** The format named in a config or `--format`: checked, with the names it could have meant. */
export function formatNamed(name: string): FormatName {
  if ((FORMAT_NAMES as readonly string[]).includes(name)) return name as FormatName;
  throw new StrataError(ErrorCode.CONFIG_INVALID, `unknown migrations format '${name}'`, {
    hint: `use one of: ${FORMAT_NAMES.join(', ')} (or leave it out to detect the format from the folder)`,
    details: { format: name, formats: [...FORMAT_NAMES] },
  });
}

export function formatOf(name: FormatName): MigrationFormat | undefined {
  return FORMATS[name];
}

/**
 * The format whose files the folder holds, when only one tool's signature is there; undefined
 * when none is (Strata's own layout, which plain sqlx and D1 folders also read as); a coded error
 * naming the files of each when two tools' files are mixed.
 */
export function detectFormat(folder: FolderView): MigrationFormat | undefined {
  const found = Object.values(FORMATS)
    .map((format) => ({ format, files: format.signature(folder) }))
    .filter(({ files }) => files.length > 0);
  if (found.length > 1) throw mixedFormats(folder, found);
  return found[0]?.format;
}

export function mixedFormats(folder: FolderView, found: { format: Pick<MigrationFormat, 'name' | 'title'>; files: string[] }[]): StrataError {
  const shown = found.map(
    ({ format, files }) =>
      `${format.title} (${files
        .slice(0, 3)
        .map((file) => folder.display(file))
        .join(', ')}${files.length > 3 ? ', ...' : ''})`,
  );
  return new StrataError(ErrorCode.FORMAT_MIXED, `${folder.display('.')} mixes migrations of ${shown.join(' and ')}`, {
    hint: 'keep one tool\'s migrations per folder (move the others to a folder of their own), or name the format with "format" in the config or --format',
    details: { dir: folder.dir, formats: Object.fromEntries(found.map(({ format, files }) => [format.name, files])) },
  });
}

/**
 * Which format a folder reads as without a configured one: what `strata adopt` checks a tool's
 * folder against. 'strata' when no other tool's signature is there (or there is no folder yet).
 */
export function detectMigrationFormat(dir: string): FormatName {
  if (!existsSync(dir)) return 'strata';
  const folder = folderView(dir, readdirSync(dir), dir);
  const found = detectFormat(folder);
  if (found) return found.name;
  const goose = folder.entries.some((entry) => entry.endsWith('.sql') && !folder.isDirectory(entry) && hasGooseMarkers(folder.text(entry)));
  return goose ? 'goose' : 'strata';
}
