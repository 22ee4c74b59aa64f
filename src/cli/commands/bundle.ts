/**
 * `strata bundle --out FILE`: the migrations folder as one ES module for the browser (each
 * migration's file, checksum and SQL statements), written atomically. The checksums are those
 * `strata status --json` shows for the same folder. See docs/browser-sql.md.
 */
import { relative, resolve } from 'node:path';
import { bundleMigrationFolder, bundleModuleSource, writeFileAtomic } from 'strata-migrate/tooling';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';

export async function run(ctx: CommandContext): Promise<number> {
  const { values, output } = ctx;
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (!out) throw usage('bundle needs --out FILE: where to write the module', 'e.g. strata bundle --dir migrations --out src/migrations.gen.ts');
  const dialect = typeof values.dialect === 'string' ? values.dialect : 'sqlite';
  if (dialect !== 'sqlite' && dialect !== 'postgres')
    throw usage(`--dialect ${dialect} is not one the browser runs`, 'use --dialect sqlite (SQLite WASM) or --dialect postgres (PGlite)');
  const config = await ctx.config();
  const bundle = await bundleMigrationFolder({
    dir: config.dir,
    dialect,
    format: (config.format ?? 'auto') as 'auto',
    placeholders: config.placeholders,
  });
  const from = relative(process.cwd(), config.dir) || config.dir;
  await writeFileAtomic(resolve(out), bundleModuleSource(bundle, from));
  output.data({
    out: resolve(out),
    dialect,
    migrations: bundle.migrations.map((m) => ({ version: m.version, name: m.name, file: m.file, checksum: m.checksum })),
  });
  output.line(`bundled ${bundle.migrations.length} migration(s) from ${from} into ${relative(process.cwd(), resolve(out)) || out}`);
  return 0;
}
