/**
 * Rule severities from config (`lint.rules`), checked against the rule catalog: this module
 * loads no rule, so createMigrator and the config loader check a config without loading the
 * linter (see rules/catalog.ts).
 */
import { nearestName } from '../model/nearest-name.js';
import { ErrorCode, StrataError } from '../model/errors.js';
import type { LintSeverity } from './lint-rule.js';
import { RULE_CATALOG } from './rules/catalog.js';

/** A rule's severity in config: `off` silences it. */
export type LintRuleSetting = LintSeverity | 'off';

/** The `lint` setting of a config: false turns the migrate check off; `rules` sets severities by rule ID. */
export interface LintSettings {
  rules?: Readonly<Record<string, LintRuleSetting>>;
}

/** Severities by rule ID, checked: every ID a registered rule, every value error, warn or off. */
export type RuleSeverities = ReadonlyMap<string, LintRuleSetting>;

/**
 * The severities `rules` asks for over the rules' defaults; an unknown ID or value is a
 * CONFIG_INVALID naming `where` (the config file) and the nearest rule ID.
 */
export function ruleSeverities(
  rules: Readonly<Record<string, unknown>> | undefined,
  where = 'the lint settings',
  registry: readonly { id: string; defaultSeverity: LintSeverity }[] = RULE_CATALOG,
): RuleSeverities {
  // The catalog's defaults, asked for by every migrator made without lint rules (a fleet makes
  // one per target): built once. A RuleSeverities is read-only, so one map serves them all.
  if (rules === undefined && registry === RULE_CATALOG) return (catalogDefaults ??= defaultsOf(registry));
  const severities = defaultsOf(registry);
  for (const [id, setting] of Object.entries(rules ?? {})) {
    if (!severities.has(id)) {
      const near = nearestName(id, [...severities.keys()]);
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${where}: lint.rules names an unknown rule '${id}'${near ? `; did you mean '${near}'?` : ''}`, {
        hint: "'strata lint --list-rules' lists every rule ID",
        details: { rule: id, ...(near ? { nearest: near } : {}) },
      });
    }
    if (setting !== 'error' && setting !== 'warn' && setting !== 'off') {
      throw new StrataError(ErrorCode.CONFIG_INVALID, `${where}: lint.rules["${id}"] must be "error", "warn" or "off", got ${JSON.stringify(setting)}`, {
        hint: `e.g. "lint": { "rules": { "${id}": "warn" } }`,
      });
    }
    severities.set(id, setting);
  }
  return severities;
}

let catalogDefaults: RuleSeverities | undefined;

function defaultsOf(registry: readonly { id: string; defaultSeverity: LintSeverity }[]): Map<string, LintRuleSetting> {
  return new Map<string, LintRuleSetting>(registry.map((rule) => [rule.id, rule.defaultSeverity]));
}
