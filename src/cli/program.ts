/**
 * The `strata` command: a thin client of the public API. Each command lives in its own module,
 * imported only when it runs, so a no-op `strata migrate` loads nothing it does not use.
 */
import { StrataError } from 'strata-migrate';
import { commandNamed, parseCommandLine } from './args.js';
import type { CommandContext } from './command-context.js';
import type { CommandName } from './command-table.js';
import { helpText } from './help-text.js';
import { Output } from './output.js';

/** 3: `status --exit-code` found pending migrations (and nothing wrong). */
export const EXIT = { ok: 0, failure: 1, usage: 2, pending: 3 } as const;

const LOADERS: Record<Exclude<CommandName, 'help'>, () => Promise<{ run: (ctx: CommandContext) => Promise<number> }>> = {
  init: () => import('./commands/init.js'),
  migrate: () => import('./commands/migrate.js'),
  rollback: () => import('./commands/rollback.js'),
  baseline: () => import('./commands/baseline.js'),
  redo: () => import('./commands/redo.js'),
  status: () => import('./commands/status.js'),
  validate: () => import('./commands/validate.js'),
  create: () => import('./commands/create.js'),
  repair: () => import('./commands/repair.js'),
  backup: () => import('./commands/backup.js'),
  db: () => import('./commands/db.js'),
  import: () => import('./commands/import.js'),
  log: () => import('./commands/log.js'),
  backfill: () => import('./commands/backfill.js'),
  adopt: () => import('./commands/adopt.js'),
  schema: () => import('./commands/schema.js'),
  drift: () => import('./commands/drift.js'),
  trace: () => import('./commands/trace.js'),
  lint: () => import('./commands/lint.js'),
  fleet: () => import('./commands/fleet.js'),
  bundle: () => import('./commands/bundle.js'),
};

// `strata status | head`: a closed pipe ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  let output = new Output({ json: argv.includes('--json'), verbose: argv.includes('--verbose') });
  try {
    const parsed = parseCommandLine(argv);
    output = new Output({ json: parsed.values.json === true, verbose: parsed.values.verbose === true, quiet: parsed.values.quiet === true });
    if (parsed.values.version) {
      const { packageVersion } = await import('./package-version.js');
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (parsed.command === 'help') {
      process.stdout.write(helpText(parsed.positionals[0] === undefined ? undefined : commandNamed(parsed.positionals[0])));
      return EXIT.ok;
    }
    if (parsed.values.help || !parsed.command) {
      process.stdout.write(helpText(parsed.command));
      return parsed.command || parsed.values.help ? EXIT.ok : EXIT.usage;
    }
    // Both at once: each import() waits on a file read of its own, and neither needs the other first.
    const [{ createCommandContext }, command] = await Promise.all([import('./command-context.js'), LOADERS[parsed.command]()]);
    const context = createCommandContext(parsed, output);
    try {
      return await command.run(context);
    } finally {
      await context.close();
    }
  } catch (error) {
    output.error(error);
    return error instanceof StrataError && error.code === 'USAGE' ? EXIT.usage : EXIT.failure;
  }
}

// Not a top-level await: the built bin runs this module as CommonJS (main.ts says why).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
