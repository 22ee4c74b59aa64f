/**
 * `strata create NAME`: the next version after the folder's highest. Timestamp-numbered folders
 * (dbmate, golang-migrate -format), and any folder with --timestamp, get a UTC timestamp;
 * sequential ones the next integer, zero-padded like the files already there.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ErrorCode, StrataError } from 'strata-migrate';
import { compareVersions } from 'strata-migrate/tooling';
import { isIgnoredFile, parseFileName } from 'strata-migrate/tooling';
import { usage } from '../args.js';
import type { CommandContext } from '../command-context.js';

const TIMESTAMP_DIGITS = 14;

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
  const { dir } = await ctx.config();
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
  const highest = digits
    .map((d) => d.replace(/^0+(?=\d)/, ''))
    .sort(compareVersions)
    .at(-1);
  const usesTimestamps = options.timestamp === true || digits.some((d) => d.length >= TIMESTAMP_DIGITS);
  if (usesTimestamps) {
    const stamp = now.toISOString().replace(/\D/g, '').slice(0, TIMESTAMP_DIGITS);
    return highest !== undefined && compareVersions(stamp, highest) <= 0 ? (BigInt(highest) + 1n).toString() : stamp;
  }
  // Four digits for a new folder; otherwise the width the folder already uses.
  const width = digits.length ? Math.max(...digits.map((d) => d.length)) : 4;
  return (BigInt(highest ?? '0') + 1n).toString().padStart(width, '0');
}
