/**
 * Findings as SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), the format GitHub
 * code scanning uploads (`github/codeql-action/upload-sarif`): one run, the rules that ran as
 * `tool.driver.rules` (with their summary and docs page), one result per finding.
 */
import type { LintFinding, LintRule } from './lint-rule.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** `docs/lint/<id with / as ->.md`: each rule's page. */
export function rulePagePath(id: string): string {
  return `docs/lint/${id.replaceAll('/', '-')}.md`;
}

export function toSarif(findings: readonly LintFinding[], rules: readonly LintRule[], version: string): object {
  const ids = rules.map((rule) => rule.id);
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'strata-lint',
            version,
            informationUri: 'https://github.com/strata-migrate/strata-migrate/blob/main/docs/lint.md',
            rules: rules.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.docs.catches },
              help: { text: `${rule.docs.why}\n\n${rule.docs.safe}` },
              helpUri: `https://github.com/strata-migrate/strata-migrate/blob/main/${rulePagePath(rule.id)}`,
              defaultConfiguration: { level: level(rule.defaultSeverity) },
            })),
          },
        },
        results: findings.map((finding) => ({
          ruleId: finding.rule,
          ...(ids.includes(finding.rule) ? { ruleIndex: ids.indexOf(finding.rule) } : {}),
          level: level(finding.severity),
          message: { text: finding.hint ? `${finding.message}. Fix: ${finding.hint}` : finding.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: finding.file.split('\\').join('/') },
                region: { startLine: finding.line, startColumn: finding.column },
              },
            },
          ],
        })),
      },
    ],
  };
}

function level(severity: 'error' | 'warn'): 'error' | 'warning' {
  return severity === 'error' ? 'error' : 'warning';
}
