/**
 * docs/cli.md, written from the command table (src/cli/command-table.ts), the same data the CLI
 * parses and prints `--help` from, so the reference cannot drift from what the CLI accepts.
 * `npm run docs:cli` rewrites the file; test/cli-reference.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, COMMON_OPTIONS, TOP_LEVEL_OPTIONS, type CommandSpec, type OptionSpec } from '../src/cli/command-table.js';

export const CLI_REFERENCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'cli.md');

export function cliReference(): string {
  const commands = Object.entries(COMMANDS) as [string, CommandSpec][];
  const lines = [
    '# CLI reference',
    '',
    '<!-- Generated from src/cli/command-table.ts by `npm run docs:cli`; edit the table, not this file. -->',
    '',
    '`strata <command> [options]`, or `strata-migrate <command> [options]` (the same program). Installed as a dependency, run it',
    'with `npx strata`. Where settings come from, exit statuses and output: [configuration.md](configuration.md).',
    '',
    '| command | does |',
    '| --- | --- |',
    ...commands.map(([name, spec]) => `| [\`${name}\`](#${name}) | ${cell(spec.summary)} |`),
    '',
    '## Every command',
    '',
    optionTable(COMMON_OPTIONS),
    '',
    'Without a command:',
    '',
    optionTable(TOP_LEVEL_OPTIONS),
    '',
    'An option another command takes is a usage error (exit 2) that names the commands taking it; a mistyped command or option',
    'suggests the nearest one.',
  ];
  for (const [name, spec] of commands) {
    lines.push('', `## ${name}`, '', `\`${spec.usage}\``, '', sentence(spec.summary));
    if (spec.details) lines.push('', spec.details);
    if (Object.keys(spec.options).length) lines.push('', optionTable(spec.options));
  }
  return `${lines.join('\n')}\n`;
}

function optionTable(options: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `\`-${o.short}\`, ` : ''}\`--${name}${o.value ? ` <${o.value}>` : ''}\``;
    const aliases = o.aliases?.length ? ` (also ${o.aliases.map((a) => `\`--${a}\``).join(', ')})` : '';
    const repeat = o.multiple ? ' Repeatable.' : '';
    return `| ${cell(flag)} | ${cell(o.description)}${aliases}${repeat} |`;
  });
  return ['| option | |', '| --- | --- |', ...rows].join('\n');
}

/** A table cell: pipes escaped (GitHub's tables honour `\|` inside code spans too). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function sentence(text: string): string {
  return `${text[0]!.toUpperCase()}${text.slice(1)}${/[.)]$/.test(text) ? '' : '.'}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(CLI_REFERENCE, cliReference());
  console.log(`wrote ${CLI_REFERENCE}`);
}
