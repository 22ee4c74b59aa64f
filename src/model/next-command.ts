/**
 * Advice as data: the command to run next. The CLI renders it in hints
 * (`'strata repair 3 --applied'`, the text users know); an app that drives Strata through its
 * API reads `error.next` and offers the same action its own way.
 */
export interface NextCommand {
  /** The CLI command, subcommand included: `repair`, `backup restore`. */
  command: string;
  args: string[];
}

export function nextCommand(command: string, ...args: string[]): NextCommand {
  return { command, args };
}

/** The command as a user types it: `strata repair 3 --applied`. */
export function commandLine(next: NextCommand): string {
  return ['strata', next.command, ...next.args].join(' ');
}

/** The two ways to record by hand how a step that stopped part-way outside a transaction ended. */
export function repairCommands(version: string): [applied: NextCommand, rolledBack: NextCommand] {
  return [nextCommand('repair', version, '--applied'), nextCommand('repair', version, '--rolled-back')];
}
