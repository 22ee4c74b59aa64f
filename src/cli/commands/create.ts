/**
 * `strata create NAME`: the next version after the folder's highest. Timestamp-numbered folders
 * (dbmate, golang-migrate -format), and any folder with --timestamp, get a UTC timestamp;
 * sequential ones the next integer, zero-padded like the files already there. In another tool's
 * folder (config "format", --format, or detected), the files that tool would write (docs/formats.md).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ErrorCode, StrataError } from 'strata-migrate';
import { detectMigrationFormat, formatNamed, nextNumber, scaffoldMigration } from 'strata-migrate/tooling';
import { isIgnoredFile, parseFileName } from 'strata-migrate/tooling';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';

const SQL_TEMPLATE = `-- migrate:up


-- migrate:down

`;

const TS_TEMPLATE = `import type { SqlContext } from 'strata-migrate';

export async function up(ctx: SqlContext): Promise<void> {
  await ctx.exec(\`\`);
}

export async function down(ctx: SqlContext): Promise<void> {
  await ctx.exec(\`\`);
}
`;

export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals, output } = ctx;
  if (values.sql && values.ts) throw usage('--sql and --ts exclude each other', 'choose one: --sql (the default) or --ts');
  const name = slug(positionals[0] ?? '');
  if (!name) throw usage('create needs a NAME made of letters or digits', 'e.g. strata create add_users_table');
  const { dir, format: configured } = await ctx.config();
  const format = configured && configured !== 'auto' ? formatNamed(configured) : existsSync(dir) ? detectMigrationFormat(dir) : 'strata';
  if (format !== 'strata') {
    if (values.ts) throw usage(`--ts writes a Strata module, and ${dir} is a ${format} folder`, 'leave out --ts to write the SQL file that tool would write');
    const scaffold = scaffoldMigration(dir, format, name, { timestamp: values.timestamp === true });
    for (const { path, text } of scaffold.files) {
      mkdirSync(dirname(path), { recursive: true });
      try {
        writeFileSync(path, text, { flag: 'wx' });
      } catch (error) {
        throw new StrataError(ErrorCode.FILE_EXISTS, `${path} already exists`, { cause: error, hint: 'choose another name' });
      }
    }
    output.data({ file: scaffold.files[0]!.path, files: scaffold.files.map((f) => f.path), version: scaffold.version.replace(/^0+(?=\d)/, ''), name, format });
    for (const { path } of scaffold.files) output.line(`created ${relative(process.cwd(), path) || path}`);
    return 0;
  }
  mkdirSync(dir, { recursive: true });
  const existing = readdirSync(dir).filter((f) => !isIgnoredFile(f));
  const version = nextVersion(existing, new Date(), { timestamp: values.timestamp === true });
  const file = join(dir, `${version}_${name}.${values.ts ? 'ts' : 'sql'}`);
  try {
    writeFileSync(file, values.ts ? TS_TEMPLATE : SQL_TEMPLATE, { flag: 'wx' });
  } catch (error) {
    throw new StrataError(ErrorCode.FILE_EXISTS, `${file} already exists`, { cause: error, hint: 'choose another name' });
  }
  output.data({ file, version: version.replace(/^0+(?=\d)/, ''), name });
  output.line(`created ${relative(process.cwd(), file) || file}`);
  return 0;
}

export function slug(text: string): string {
  return text
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function nextVersion(fileNames: readonly string[], now: Date, options: { timestamp?: boolean } = {}): string {
  const digits = fileNames.map((f) => /^(\d+)/.exec(f)?.[1]).filter((d): d is string => d !== undefined && parseFileName(`${d}_x.sql`) !== undefined);
  return nextNumber(digits, now, options);
}
