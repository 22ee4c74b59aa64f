/**
 * Every rule's ID and default severity, in LINT_RULES order, without the rules' code: enough for
 * createMigrator and the config loader to check `lint.rules` when they are called, while the
 * rules themselves load only when a migrate has pending files to lint (lint-plugin.ts) or
 * `strata lint` runs. test/lint-plugin-cache.test.ts checks that it lists exactly LINT_RULES.
 */
import type { LintSeverity } from '../lint-rule.js';

export const RULE_CATALOG: readonly { readonly id: string; readonly defaultSeverity: LintSeverity }[] = (
  [
    ['lint/ignore-without-reason', 'error'],
    ['lint/unknown-rule', 'error'],
    ['sqlite/rebuild-with-cascade', 'error'],
    ['sqlite/foreign-keys-pragma-in-transaction', 'warn'],
    ['sqlite/rebuild-copy-mismatch', 'error'],
    ['sqlite/affinity-change', 'warn'],
    ['sqlite/add-column-not-null-without-default', 'error'],
    ['sqlite/add-column-non-constant-default', 'error'],
    ['sqlite/drop-column-in-use', 'error'],
    ['sqlite/rename-in-use', 'warn'],
    ['sqlite/vacuum-in-transaction', 'error'],
    ['sqlite/d1-transaction-statements', 'error'],
    ['sqlite/d1-foreign-keys-pragma', 'error'],
    ['sqlite/unique-index-without-dedupe', 'warn'],
    ['sqlite/delete-or-update-without-where', 'error'],
    ['sqlite/drop-table', 'error'],
    ['postgres/syntax-error', 'warn'],
    ['postgres/parser-missing', 'warn'],
    ['postgres/index-not-concurrent', 'error'],
    ['postgres/concurrently-in-transaction', 'error'],
    ['postgres/reindex-not-concurrent', 'warn'],
    ['postgres/drop-index-not-concurrent', 'warn'],
    ['postgres/fk-without-index', 'warn'],
    ['postgres/primary-key-without-index', 'error'],
    ['postgres/unique-constraint-without-index', 'error'],
    ['postgres/vacuum-full-or-cluster', 'error'],
    ['postgres/lock-timeout-missing', 'warn'],
    ['postgres/statements-after-exclusive-lock', 'warn'],
    ['postgres/rename-in-use', 'error'],
    ['postgres/drop-in-use', 'warn'],
    ['postgres/enum-value-in-transaction', 'warn'],
    ['postgres/constraint-not-valid', 'error'],
    ['postgres/set-not-null', 'error'],
    ['postgres/volatile-default', 'error'],
    ['postgres/add-column-required', 'error'],
    ['postgres/type-change-rewrite', 'error'],
    ['mysql/copying-alter', 'error'],
    ['mysql/ddl-dml-mixed', 'warn'],
    ['mysql/rename-in-use', 'error'],
    ['mysql/drop-in-use', 'warn'],
    ['mysql/fk-without-index', 'warn'],
    ['mysql/enum-change', 'error'],
    ['mysql/not-null-without-default', 'warn'],
    ['any/destructive-without-down', 'warn'],
    ['any/data-in-schema-step', 'warn'],
  ] as const
).map(([id, defaultSeverity]) => ({ id, defaultSeverity }));
