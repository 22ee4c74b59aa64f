/**
 * Migrations from a folder in another tool's format: the format reads the steps, this turns them
 * into Migrations exactly as Strata's own files are (sha256 checksum over the file as written,
 * a down file appended behind a marker; placeholders replaced at load; lazy parsing).
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { LoadedMigration, Migration } from '../../model/migration.js';
import { compareVersions } from '../../model/version.js';
import { checksumOf } from '../checksum.js';
import { replacePlaceholders, type PlaceholderPattern, type PlaceholderValues } from '../sql/placeholders.js';
import type { SqlSyntax } from '../sql/split-statements.js';
import type { FolderView, FormatFile, FormatStep, MigrationFormat } from './format.js';

export interface FormatReadOptions {
  dialect: SqlSyntax;
  placeholders?: { values: PlaceholderValues; pattern: PlaceholderPattern };
}

export function readFormatFolder<Ctx>(format: MigrationFormat, folder: FolderView, options: FormatReadOptions): Migration<Ctx>[] {
  const steps = format.read(folder);
  const byVersion = new Map<string, FormatStep>();
  for (const step of steps) {
    const taken = byVersion.get(step.version);
    if (taken) {
      throw new StrataError(
        ErrorCode.MIGRATION_VERSION_DUPLICATE,
        `version ${step.version} is used by more than one migration: ${taken.file.display}, ${step.file.display}`,
        {
          hint: 'give each migration its own version number (rename one of the files)',
          details: { version: step.version, files: [taken.file.display, step.file.display] },
        },
      );
    }
    byVersion.set(step.version, step);
  }
  return steps.map((step) => migrationOf<Ctx>(step, options)).sort((a, b) => compareVersions(a.version, b.version));
}

function migrationOf<Ctx>(step: FormatStep, options: FormatReadOptions): Migration<Ctx> {
  const source = step.downFile ? `${step.file.text}\n-- strata:down-file\n${step.downFile.text}` : step.file.text;
  let loaded: LoadedMigration<Ctx> | undefined;
  return {
    version: step.version,
    name: step.name,
    checksum: checksumOf(source)!,
    origin: step.file.display,
    checksumWith: (algorithm: string) => checksumOf(source, algorithm),
    load: async () => (loaded ??= load<Ctx>(step, options)),
  };
}

function load<Ctx>(step: FormatStep, { dialect, placeholders }: FormatReadOptions): LoadedMigration<Ctx> {
  // Before parsing, so statement line numbers are the file's.
  const sql = (file: FormatFile) =>
    placeholders ? replacePlaceholders(file.text, placeholders.values, placeholders.pattern, file.display, dialect) : file.text;
  const { up, down } = step.parse(sql(step.file), step.downFile ? sql(step.downFile) : undefined, dialect);
  return { up, down: down && step.downFile ? { ...down, file: step.downFile.display } : down };
}
