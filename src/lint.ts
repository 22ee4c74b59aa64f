/**
 * `strata-migrate/lint`: the migration linter behind `strata lint` and the check `migrate` runs
 * first. Rules are pure functions over one file's statements and the schema before it
 * (LintRule); the registry (LINT_RULES) lists every rule with its docs; `lintSequence` lints the
 * files of one run in order, each against the schema the ones before it leave; `toSarif` writes
 * the findings for GitHub code scanning.
 *
 * @example
 * import { lintSequence } from 'strata-migrate/lint';
 * const { findings } = await lintSequence([{ path: '0002_drop.sql', text: 'DROP TABLE users;', family: 'sqlite' }]);
 * // [{ rule: 'sqlite/drop-table', severity: 'error', file: '0002_drop.sql', line: 1, column: 1, ... }]
 *
 * @module strata-migrate/lint
 */
export type {
  LintFamily,
  LintFile,
  LintFinding,
  LintFindingDraft,
  LintRule,
  LintRuleDocs,
  LintSeverity,
  LintStatement,
  SchemaBefore,
} from './lint/lint-rule.js';
export { lintFileOf, normalizeSql } from './lint/lint-source.js';
export type { LintInput } from './lint/lint-source.js';
export { createdTables, hasErrors, lintFile, lintSequence } from './lint/linter.js';
export { ruleSeverities } from './lint/rule-severities.js';
export type { LintResult, LintRuleSetting, LintRunOptions, LintSequenceOptions, LintSettings, RuleSeverities, SchemaStart } from './lint/linter.js';
export { LINT_RULES, RULE_SETS } from './lint/rules/index.js';
export { schemaOfModel, SqliteReplay, unknownSchema } from './lint/schema-before.js';
export { folderInputs, groupsForPaths } from './lint/lint-inputs.js';
export type { LintGroup, PathOptions } from './lint/lint-inputs.js';
export { rulePagePath, SARIF_SCHEMA, toSarif } from './lint/sarif.js';
export { registerAstParser } from './lint/parse-ast.js';
export type { AstParser } from './lint/parse-ast.js';
export { lintPlugin, LINT_PLUGIN_NAME } from './lint/lint-plugin.js';
export type { LintPluginOptions } from './lint/lint-plugin.js';
export { POSTGRES_PARSER_PACKAGE, requirePostgresParser } from './lint/parse-postgres.js';
