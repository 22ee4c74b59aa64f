/**
 * The linter's rule pages, written from the rule registry (src/lint/rules/index.ts): one page per
 * rule, `docs/lint/<family>-<name>.md` (what it catches, why it hurts, the safe way, its bad and
 * good examples, which the rule tests run), and the rule list in docs/lint.md between its
 * `<!-- rules:start -->` and `<!-- rules:end -->` lines. `npm run docs:lint` rewrites them;
 * test/lint-rules.test.ts fails when they are stale.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LintRule } from '../src/lint/lint-rule.js';
import { LINT_RULES } from '../src/lint/rules/index.js';
import { rulePagePath } from '../src/lint/sarif.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LINT_GUIDE = join(ROOT, 'docs', 'lint.md');
export const RULE_PAGES = join(ROOT, 'docs', 'lint');
const START = '<!-- rules:start -->';
const END = '<!-- rules:end -->';

/** Every page by path relative to the repository: the rule pages. */
export function rulePages(rules: readonly LintRule[] = LINT_RULES): Map<string, string> {
  return new Map(rules.map((rule) => [rulePagePath(rule.id), rulePage(rule)]));
}

function rulePage(rule: LintRule): string {
  const lines = [
    `# ${rule.id}`,
    '',
    "<!-- Generated from the rule's docs in src/lint/rules/ by `npm run docs:lint`; edit the rule, not this file. -->",
    '',
    `${sentence(rule.summary)}`,
    '',
    `Families: ${rule.families.join(', ')}. Default severity: ${rule.defaultSeverity}.${rule.docs.runtime === 'd1' ? ' Only for files that run on Cloudflare D1 (a `d1` folder, or `strata lint --target d1`).' : ''}`,
    '',
    '## What it catches',
    '',
    rule.docs.catches,
    '',
    '## Why it hurts',
    '',
    rule.docs.why,
    '',
    '## The safe way',
    '',
    rule.docs.safe,
    '',
    '## Flagged',
    '',
  ];
  if (rule.docs.setup) lines.push('On this schema:', '', fence(rule.docs.setup), '', 'this migration is flagged:', '');
  lines.push(fence(rule.docs.bad), '', '## Not flagged', '', fence(rule.docs.good), '');
  lines.push(
    '## Ignoring it',
    '',
    `When the finding does not apply, say why on the statement (or above the file's first statement, for the whole file): \`-- strata-ignore ${rule.id}: <why this is safe here>\`. Or set its severity in the config: \`"lint": { "rules": { "${rule.id}": "warn" } }\`.`,
    '',
    'All rules: [docs/lint.md](../lint.md).',
  );
  return `${lines.join('\n')}\n`;
}

function fence(sql: string): string {
  return `\`\`\`sql\n${sql.trimEnd()}\n\`\`\``;
}

function sentence(text: string): string {
  return `${text[0]!.toUpperCase()}${text.slice(1)}${/[.)]$/.test(text) ? '' : '.'}`;
}

/** The rule list: one row per rule, linking its page. */
export function ruleList(rules: readonly LintRule[] = LINT_RULES): string {
  const rows = rules.map(
    (rule) => `| [\`${rule.id}\`](${rulePagePath(rule.id).replace(/^docs\//, '')}) | ${rule.defaultSeverity} | ${rule.summary.replace(/\|/g, '\\|')} |`,
  );
  return [START, '', '| rule | default | flags |', '| --- | --- | --- |', ...rows, '', END].join('\n');
}

/** docs/lint.md with its rule list current. */
export function lintGuide(text: string): string {
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`docs/lint.md needs the lines ${START} and ${END} around the rule list`);
  return text.slice(0, start) + ruleList() + text.slice(end + END.length);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(RULE_PAGES, { recursive: true });
  const pages = rulePages();
  for (const name of readdirSync(RULE_PAGES)) if (!pages.has(`docs/lint/${name}`)) rmSync(join(RULE_PAGES, name));
  for (const [path, text] of pages) writeFileSync(join(ROOT, path), text);
  if (existsSync(LINT_GUIDE)) writeFileSync(LINT_GUIDE, lintGuide(readFileSync(LINT_GUIDE, 'utf8')));
  console.log(`wrote ${pages.size} rule pages in ${RULE_PAGES} and the rule list of ${LINT_GUIDE}`);
}
