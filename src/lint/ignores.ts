/**
 * `-- strata-ignore RULE-ID[, RULE-ID...]: reason` comments: on a statement (the comment lines
 * right before it, or on one of its lines) they silence those rules for that statement; anywhere
 * above the file's first statement, for the whole file. The reason is required: an ignore is a
 * decision someone made, and the next reader needs to know why. An ignore without one, or one
 * naming a rule that does not exist, is itself an error finding.
 */
import { nearestName } from '../model/nearest-name.js';
import type { LintFile, LintFinding, LintStatement } from './lint-rule.js';

export const IGNORE_WITHOUT_REASON = 'lint/ignore-without-reason';
export const UNKNOWN_RULE = 'lint/unknown-rule';

const IGNORE = /--\s*strata-ignore\b([^\n]*)/g;

export interface FileIgnores {
  /** Rules ignored for the whole file. */
  file: Set<string>;
  /** Rules ignored per statement (the up's and the down's statements, by object). */
  statements: Map<LintStatement, Set<string>>;
  /** Findings about the ignores themselves (no reason, unknown rule): reported as errors unless their rule is off. */
  problems: LintFinding[];
}

export function readIgnores(file: LintFile, ruleIds: readonly string[]): FileIgnores {
  const result: FileIgnores = { file: new Set(), statements: new Map(), problems: [] };
  if (!file.text.includes('strata-ignore')) return result;
  const statements = [...file.up, ...(file.down ?? [])].sort((a, b) => a.line - b.line);
  const lines = file.text.split('\n');
  const known = new Set(ruleIds);
  for (const match of file.text.matchAll(IGNORE)) {
    const line = lineOf(file.text, match.index ?? 0);
    const column = (match.index ?? 0) - file.text.lastIndexOf('\n', (match.index ?? 0) - 1);
    const body = match[1] ?? '';
    const colon = body.indexOf(':');
    const ids = (colon === -1 ? body : body.slice(0, colon))
      .split(/[\s,]+/)
      .map((id) => id.trim())
      .filter(Boolean);
    const reason = colon === -1 ? '' : body.slice(colon + 1).trim();
    const at = { file: file.path, line, column, severity: 'error' as const };
    if (!ids.length) {
      result.problems.push({
        ...at,
        rule: UNKNOWN_RULE,
        message: 'strata-ignore names no rule',
        hint: 'write the rule and the reason: -- strata-ignore sqlite/drop-table: the table was emptied in 0041',
      });
      continue;
    }
    if (!reason) {
      result.problems.push({
        ...at,
        rule: IGNORE_WITHOUT_REASON,
        message: `strata-ignore ${ids.join(', ')} gives no reason`,
        hint: `say why it is safe after a colon: -- strata-ignore ${ids.join(', ')}: <why this is safe here>`,
      });
    }
    const valid = ids.filter((id) => {
      if (known.has(id)) return true;
      const near = nearestName(id, ruleIds);
      result.problems.push({
        ...at,
        rule: UNKNOWN_RULE,
        message: `strata-ignore names an unknown rule '${id}'${near ? `; did you mean '${near}'?` : ''}`,
        hint: "'strata lint --list-rules' lists every rule ID",
      });
      return false;
    });
    // An ignore without a reason ignores nothing: the finding it meant to silence stays visible beside the problem.
    if (!reason || !valid.length) continue;
    const target = statementFor(line, statements, lines);
    if (target === null) continue;
    const into = target ? (result.statements.get(target) ?? new Set<string>()) : result.file;
    if (target) result.statements.set(target, into);
    for (const id of valid) into.add(id);
  }
  return result;
}

/**
 * The statement a comment on `line` is about; undefined when the comment stands above the first
 * statement (the whole file); null when it is about nothing (below the last statement, or code
 * between it and the next statement).
 */
function statementFor(line: number, statements: readonly LintStatement[], lines: readonly string[]): LintStatement | undefined | null {
  const first = statements[0];
  if (!first || line < first.line) return undefined;
  // On one of a statement's lines (a trailing comment, or one inside it).
  for (const statement of statements) {
    const last = statement.line + countNewlines(statement.sql);
    if (line >= statement.line && line <= last) return statement;
  }
  // Right before one: only comment lines (or blank ones) between.
  const next = statements.find((s) => s.line > line);
  if (!next) return null;
  for (let k = line; k < next.line - 1; k++) {
    const text = (lines[k] ?? '').trim();
    if (text && !text.startsWith('--')) return null;
  }
  return next;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) count++;
  return count;
}

function lineOf(text: string, at: number): number {
  let line = 1;
  for (let k = 0; k < at; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}
