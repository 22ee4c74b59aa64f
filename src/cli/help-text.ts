/** `--help` and `strata help <command>`, written from the command table. */
import { COMMANDS, COMMON_OPTIONS, TOP_LEVEL_OPTIONS, type CommandName, type CommandSpec, type OptionSpec } from './command-table.js';

export function helpText(command?: CommandName): string {
  if (command) {
    const spec: CommandSpec = COMMANDS[command];
    const own = Object.keys(spec.options).length ? `\n\nOptions:\n${describe(spec.options)}` : '';
    return `Usage: ${spec.usage}\n\n${spec.summary}${spec.details ? `\n\n${wrap(spec.details)}` : ''}${own}\n\n${commonLine()}\n`;
  }
  const commands = Object.entries(COMMANDS)
    .map(([name, spec]) => `  ${name.padEnd(10)} ${spec.summary}`)
    .join('\n');
  return `Usage: strata <command> [options]\n\nCommands:\n${commands}\n\nOptions:\n${describe({ ...COMMON_OPTIONS, ...TOP_LEVEL_OPTIONS })}\n\nRun 'strata help <command>' (or 'strata <command> --help') for a command's options.\n`;
}

function describe(options: Readonly<Record<string, OptionSpec>>): string {
  return Object.entries(options)
    .map(([name, o]) => {
      const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` <${o.value}>` : ''}`;
      const aliases = o.aliases?.length ? ` (also ${o.aliases.map((a) => `--${a}`).join(', ')})` : '';
      return `  ${flag.padEnd(30)} ${o.description}${aliases}`;
    })
    .join('\n');
}

function commonLine(): string {
  const flags = Object.entries(COMMON_OPTIONS).map(([name, o]) => `${'short' in o ? `-${o.short}/` : ''}--${name}`);
  return `Every command also takes ${flags.join(', ')}.`;
}

/** Long details, wrapped at 100 columns like the rest of the help. */
function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
