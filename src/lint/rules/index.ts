/**
 * Every rule set the linter runs, one import and one line per set. A rule set is an array of
 * LintRule (src/lint/lint-rule.ts); the linter picks the rules whose `families` include the
 * file's, and the docs pages (`npm run docs:lint`) and the rule tests read this same list.
 */
import type { LintRule } from '../lint-rule.js';
import { LINT_META_RULES } from './meta-rules.js';
import { SQLITE_RULES } from './sqlite-rules.js';
import { POSTGRES_RULES } from './postgres-rules.js';
import { MYSQL_RULES } from './mysql-rules.js';
import { COMMON_RULES } from './common-rules.js';

export const RULE_SETS: readonly (readonly LintRule[])[] = [LINT_META_RULES, SQLITE_RULES, POSTGRES_RULES, MYSQL_RULES, COMMON_RULES];

/** Every registered rule, in set order. */
export const LINT_RULES: readonly LintRule[] = RULE_SETS.flat();
