/**
 * The linter's own rules: about `strata-ignore` comments, not about SQL. The engine reports them
 * (src/lint/ignores.ts); they are rules so config can name them and so they have docs pages.
 */
import { IGNORE_WITHOUT_REASON, UNKNOWN_RULE } from '../ignores.js';
import type { LintRule } from '../lint-rule.js';

const ALL = ['sqlite', 'postgres', 'mysql'] as const;

export const LINT_META_RULES: readonly LintRule[] = [
  {
    id: IGNORE_WITHOUT_REASON,
    families: ALL,
    defaultSeverity: 'error',
    summary: 'a strata-ignore comment without a reason',
    docs: {
      catches: 'A `-- strata-ignore RULE-ID` comment with no `: reason` after the rule IDs.',
      why: 'An ignore switches a safety check off for good. Without the reason, the next person to touch the file cannot tell a considered decision from a silenced warning, and the ignore ignores nothing: the finding it meant to silence is still reported.',
      safe: 'Write why the statement is safe here after a colon: `-- strata-ignore sqlite/drop-table: emptied and unused since 0041`.',
      bad: '-- strata-ignore sqlite/drop-table\nDROP TABLE legacy_sessions;\n',
      good: '-- strata-ignore sqlite/drop-table: replaced by sessions in 0041, unread since\nDROP TABLE legacy_sessions;\n',
      setup: 'CREATE TABLE legacy_sessions (id INTEGER PRIMARY KEY);',
    },
    check: () => [],
  },
  {
    id: UNKNOWN_RULE,
    families: ALL,
    defaultSeverity: 'error',
    summary: 'a strata-ignore comment naming a rule that does not exist',
    docs: {
      catches: 'A `-- strata-ignore` comment whose rule ID is not a rule of the linter (a typo, or a rule of another linter).',
      why: 'A misspelt ID silences nothing, so the comment gives a false sense that the finding was considered; the real finding still stops the run.',
      safe: 'Name the rule exactly as `strata lint` prints it (`strata lint --list-rules` lists them all); the message suggests the nearest ID.',
      bad: '-- strata-ignore sqlite/drop-tabel: replaced by sessions in 0041\nDROP TABLE legacy_sessions;\n',
      good: '-- strata-ignore sqlite/drop-table: replaced by sessions in 0041\nDROP TABLE legacy_sessions;\n',
      setup: 'CREATE TABLE legacy_sessions (id INTEGER PRIMARY KEY);',
    },
    check: () => [],
  },
];
