/**
 * goose's SQL migrations, read in place (https://pressly.github.io/goose/documentation/annotations/):
 * `<version>_<name>.sql` (sequential `00001_` or timestamp `20240101120000_`) with annotations on
 * lines of their own, case-insensitive:
 * - `-- +goose Up` (required, first) and `-- +goose Down` (optional) split the file;
 * - `-- +goose StatementBegin` / `-- +goose StatementEnd`: the lines between are one statement
 *   (functions, triggers: the markers are the boundaries, not semicolons);
 * - `-- +goose NO TRANSACTION`: the file runs outside a transaction, both ways;
 * - `-- +goose ENVSUB ON` and `.go` migrations are refused with FORMAT_UNSUPPORTED (the first
 *   makes the SQL depend on the environment it runs in, the second needs goose's Go runtime).
 * Outside statement blocks, statements are split as in Strata's own files (strings, dollar quotes
 * and comments can hold a `;`), a stricter reading than goose's line-ending semicolons.
 */
import type { SqlBody } from '../../model/migration.js';
import { canonicalVersion } from '../../model/version.js';
import { sqlBodyOf } from '../sql/parse-sql-migration.js';
import { splitStatements, lexerOf, type SplitStatement, type SqlSyntax } from '../sql/split-statements.js';
import { malformed, namesInvalid, unsupported } from './format-errors.js';
import type { FormatStep, MigrationFormat } from './format.js';

const SQL_FILE = /^(\d+)_(.+)\.sql$/;
const GO_FILE = /^(\d+)_.+\.go$/;
const ANNOTATION = /^--\s*\+goose\b(.*)$/i;
const UP_MARKER = /^--\s*\+goose\s+up\s*$/im;

/** Whether a SQL file is written for goose (the folder source detects goose folders by it). */
export function hasGooseMarkers(text: string): boolean {
  return UP_MARKER.test(text);
}

export const gooseFormat: MigrationFormat = {
  name: 'goose',
  title: 'goose',
  // Only the .go files: SQL files are told apart by their text, which the folder source reads anyway.
  // A loop, not a closure made per call: it runs over every entry on every read (see folder-source.ts).
  signature(folder) {
    const found: string[] = [];
    for (const entry of folder.entries) if (GO_FILE.test(entry) && !folder.isDirectory(entry)) found.push(entry);
    return found;
  },
  read(folder) {
    const steps: FormatStep[] = [];
    const bad: string[] = [];
    for (const entry of folder.entries) {
      if (entry.startsWith('_') || folder.isDirectory(entry)) continue;
      if (GO_FILE.test(entry)) {
        throw unsupported(
          gooseFormat,
          folder.display(entry),
          'a Go migration, which runs inside goose',
          'rewrite it as a SQL migration (or a Strata .ts migration), or keep running it with goose',
        );
      }
      if (!entry.endsWith('.sql')) continue;
      const match = SQL_FILE.exec(entry);
      if (!match) {
        bad.push(folder.display(entry));
        continue;
      }
      const display = folder.display(entry);
      const text = folder.text(entry);
      const { noTransaction } = sections(text, display);
      steps.push({
        version: canonicalVersion(match[1]!),
        name: match[2]!,
        file: { path: entry, display, text },
        parse: (sql, _down, syntax) => parseGoose(sql, display, syntax, noTransaction),
      });
    }
    if (bad.length) throw namesInvalid(gooseFormat, bad, '<version>_<name>.sql');
    return steps;
  },
};

interface Section {
  /** Plain regions (split by the lexer) and statement blocks, in file order. */
  parts: ({ kind: 'plain'; text: string; firstLine: number } | { kind: 'block'; text: string; firstLine: number })[];
}

interface Sections {
  up: Section;
  down: Section | undefined;
  noTransaction: boolean;
}

/** The file's annotations checked and its lines sorted into sections (no SQL is split here). */
function sections(text: string, file: string): Sections {
  if (!UP_MARKER.test(text)) throw malformed(file, "no '-- +goose Up' annotation", "goose migrations start with '-- +goose Up' on a line of its own");
  const lines = text.split('\n');
  let up: Section | undefined;
  let down: Section | undefined;
  let current: Section | undefined;
  let noTransaction = false;
  let block: { firstLine: number; lines: string[] } | undefined;
  let plain: { firstLine: number; lines: string[] } | undefined;
  const flushPlain = () => {
    if (plain && current && plain.lines.some((line) => line.trim() !== ''))
      current.parts.push({ kind: 'plain', text: plain.lines.join('\n'), firstLine: plain.firstLine });
    plain = undefined;
  };
  for (const [k, line] of lines.entries()) {
    const number = k + 1;
    const annotation = ANNOTATION.exec(line);
    if (!annotation) {
      if (block) block.lines.push(line);
      else if (current) (plain ??= { firstLine: number, lines: [] }).lines.push(line);
      else if (line.trim() !== '' && !line.trimStart().startsWith('--')) {
        throw malformed(file, "a statement before '-- +goose Up' belongs to no direction", "move it below '-- +goose Up'", number);
      }
      continue;
    }
    const command = annotation[1]!.trim().toLowerCase().replace(/\s+/g, ' ');
    switch (command) {
      case 'up':
        if (up) throw malformed(file, `a second '-- +goose Up'`, "keep one '-- +goose Up' and one '-- +goose Down'", number);
        if (down) throw malformed(file, `'-- +goose Up' after '-- +goose Down'`, 'put the Up section first', number);
        current = up = { parts: [] };
        break;
      case 'down':
        if (block) throw unclosed(file, block.firstLine - 1);
        if (!up) throw malformed(file, `'-- +goose Down' before '-- +goose Up'`, 'put the Up section first', number);
        if (down) throw malformed(file, `a second '-- +goose Down'`, "keep one '-- +goose Down'", number);
        flushPlain();
        current = down = { parts: [] };
        break;
      case 'statementbegin':
        if (!current) throw malformed(file, `'-- +goose StatementBegin' before '-- +goose Up'`, 'put it inside the Up or Down section', number);
        if (block)
          throw malformed(
            file,
            `'-- +goose StatementBegin' inside the block opened at line ${block.firstLine - 1}`,
            "close the first block with '-- +goose StatementEnd'",
            number,
          );
        flushPlain();
        block = { firstLine: number + 1, lines: [] };
        break;
      case 'statementend':
        if (!block || !current)
          throw malformed(file, `'-- +goose StatementEnd' without a StatementBegin`, "open the block with '-- +goose StatementBegin'", number);
        current.parts.push({ kind: 'block', text: block.lines.join('\n'), firstLine: block.firstLine });
        block = undefined;
        break;
      case 'no transaction':
        noTransaction = true;
        break;
      case 'envsub on':
        throw unsupported(
          gooseFormat,
          file,
          "'-- +goose ENVSUB ON' (environment variables substituted into the SQL)",
          'replace ${VAR} with Strata placeholders ("placeholders" in the config, or --var name=value) and remove the annotation',
          number,
        );
      case 'envsub off':
        break;
      default:
        throw malformed(
          file,
          `unknown goose annotation '${line.trim()}'`,
          'goose knows Up, Down, StatementBegin, StatementEnd, NO TRANSACTION and ENVSUB ON/OFF',
          number,
        );
    }
  }
  if (block) throw unclosed(file, block.firstLine - 1);
  flushPlain();
  return { up: up!, down, noTransaction };
}

function unclosed(file: string, line: number) {
  return malformed(file, "'-- +goose StatementBegin' is never closed", "close it with '-- +goose StatementEnd'", line);
}

function parseGoose(text: string, file: string, syntax: SqlSyntax, noTransaction: boolean): { up: SqlBody; down: SqlBody | undefined } {
  const { up, down } = sections(text, file);
  const lexer = lexerOf(syntax);
  const body = (section: Section) => {
    const statements: SplitStatement[] = [];
    for (const part of section.parts) {
      if (part.kind === 'plain') {
        statements.push(...splitStatements(part.text, { lexer, lineOffset: part.firstLine - 1 }));
        continue;
      }
      const leading = /^\s*/.exec(part.text)![0];
      const sql = part.text.trim().replace(/;\s*$/, '');
      if (sql === '') continue;
      statements.push({ index: statements.length + 1, line: part.firstLine + (leading.match(/\n/g)?.length ?? 0), column: 1, sql });
    }
    return sqlBodyOf(statements, lexer, !noTransaction);
  };
  return { up: body(up), down: down ? body(down) : undefined };
}
