/**
 * `strata schema dump [--out FILE]`: the schema as deterministic DDL with the applied versions
 * (strata-migrate/schema's dumpSchema). Also `writeSchemaDump`, which migrate and rollback call
 * after a successful run when --dump-schema or the config's "dumpSchema" names a file.
 */
import { resolve } from 'node:path';
import { dumpSchema } from 'strata-migrate/schema';
import { usage } from '../args.js';
import type { CommandContext, DatabaseHandle } from '../command-context.js';
import type { Output } from '../output.js';

const ACTIONS = ['dump'] as const;

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output, positionals } = ctx;
  const action = positionals[0];
  if (action !== 'dump') {
    throw usage(action ? `unknown schema action '${action}'` : 'strata schema needs an action', `the actions are: ${ACTIONS.join(', ')}`);
  }
  const out = typeof values.out === 'string' ? resolve(values.out) : undefined;
  const spec = await ctx.spec();
  // Printed to stdout, the dump is the output (`> schema.sql`): the database line goes to stderr.
  output.target((await ctx.databases())[0]!.target(), { stderr: out === undefined });
  const dump = await dumpSchema(spec, { out });
  output.data({ fingerprint: dump.fingerprint, applied: dump.applied, ...(dump.path ? { path: dump.path } : { ddl: dump.text }), model: dump.model });
  if (dump.path) output.line(`wrote ${dump.path} (${dump.model.tables.length} table(s), ${dump.applied.length} applied version(s); ${dump.fingerprint})`);
  else output.line(dump.text.replace(/\n$/, ''));
  return 0;
}

/** The file a migrate/rollback run dumps the schema to: --dump-schema over the config's "dumpSchema"; undefined for none. */
export function dumpSchemaPath(ctx: CommandContext, db: DatabaseHandle): string | undefined {
  const flag = ctx.values['dump-schema'];
  return typeof flag === 'string' ? resolve(flag) : db.config.dumpSchema;
}

/** After a successful run: the migrator's connection closed first (a PGlite folder has one opener), then the dump written. */
export async function writeSchemaDump(db: DatabaseHandle, path: string, output: Output): Promise<string> {
  await db.close();
  const dump = await dumpSchema(db.spec(), { out: path });
  output.line(`schema dump: ${dump.path}`);
  return dump.path!;
}
