/** The errors every format raises the same way: bad names, unsupported files, malformed files. */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { MigrationFormat } from './format.js';

/** Files in a folder read as `format` whose names are not the tool's migration names. */
export function namesInvalid(format: Pick<MigrationFormat, 'name' | 'title'>, files: readonly string[], expected: string): StrataError {
  const shown = files.length > 5 ? `${files.slice(0, 5).join(', ')} and ${files.length - 5} more` : files.join(', ');
  return new StrataError(
    ErrorCode.MIGRATION_NAME_INVALID,
    `${shown} ${files.length > 1 ? 'are' : 'is'} not named as ${format.title} names its migrations (the folder is read as ${format.title}'s)`,
    {
      hint: `${format.title} names them ${expected}; rename ${files.length > 1 ? 'them' : 'it'}, move ${files.length > 1 ? 'them' : 'it'} out of the folder, or prefix ${files.length > 1 ? 'them' : 'it'} with '_' to have ${files.length > 1 ? 'them' : 'it'} ignored`,
      details: { format: format.name, files },
    },
  );
}

/** Something the tool allows that Strata does not run (yet). */
export function unsupported(format: Pick<MigrationFormat, 'name' | 'title'>, file: string, what: string, hint: string, line?: number): StrataError {
  return new StrataError(ErrorCode.FORMAT_UNSUPPORTED, `${file}${line ? `:${line}` : ''}: ${what}, which Strata does not support for ${format.title} folders`, {
    hint,
    details: { format: format.name, file, ...(line ? { line } : {}) },
  });
}

/** A malformed file: names the file and, where known, the line. */
export function malformed(file: string, what: string, hint: string, line?: number): StrataError {
  return new StrataError(ErrorCode.MIGRATION_INVALID, `${file}${line ? `:${line}` : ''}: ${what}`, {
    hint,
    details: { file, ...(line ? { line } : {}) },
  });
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}
