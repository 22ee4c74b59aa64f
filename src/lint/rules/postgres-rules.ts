/**
 * The PostgreSQL rule set: the squawk/Eugene class of checks (locks, rewrites, scans, running
 * code broken by renames), read from PostgreSQL's own parse trees. Split by theme: indexes and
 * rebuilds, locks and renames, columns and constraints.
 */
import type { LintRule } from '../lint-rule.js';
import { POSTGRES_COLUMN_RULES } from './postgres-column-rules.js';
import { POSTGRES_INDEX_RULES } from './postgres-index-rules.js';
import { POSTGRES_LOCK_RULES } from './postgres-lock-rules.js';
import { POSTGRES_PARSER_RULES } from './postgres-parser-rules.js';

export const POSTGRES_RULES: readonly LintRule[] = [...POSTGRES_PARSER_RULES, ...POSTGRES_INDEX_RULES, ...POSTGRES_LOCK_RULES, ...POSTGRES_COLUMN_RULES];
