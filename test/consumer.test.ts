/**
 * Strata as a user gets it: the tarball `npm pack` makes (from the dist/ that `npm test` builds),
 * installed into a fresh project, then used from an ES module app and a CommonJS app: their type
 * checks (strict, nodenext, skipLibCheck false), both bins, `migrate` with a `.ts` migration,
 * import() and require() of every entry point, and the coded errors for what is not installed.
 *
 * One install serves both apps (they sit in the project's folder and share its node_modules).
 * better-sqlite3 installs without its install script and gets the binary this repository built:
 * its own install (a prebuilt download, or a ~90 s compile offline) is better-sqlite3's concern,
 * and the binary is what a prebuilt download puts in the same place. Its version is pinned to
 * the one this repository has, so that the binary matches.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, writeFiles } from './helpers.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; exports: Record<string, unknown> };
const betterSqlite3 = join(ROOT, 'node_modules', 'better-sqlite3');
const betterSqlite3Version = (JSON.parse(readFileSync(join(betterSqlite3, 'package.json'), 'utf8')) as { version: string }).version;
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const tsxVersion = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'tsx', 'package.json'), 'utf8')) as { version: string }).version;
const nodeStripsTypes = Boolean((process.features as { typescript?: string | false }).typescript);
/** Subpaths with code (not ./package.json). */
const entries = Object.entries(manifest.exports).filter(([, target]) => typeof target === 'object');
const specifierOf = (subpath: string) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`);
const subpaths = entries.map(([subpath]) => specifierOf(subpath));
/** Those with a CommonJS build: the browser and Vite entries are ESM only (bundlers and vite.config files import them). */
const requirable = entries.filter(([, target]) => (target as { require?: unknown }).require !== undefined).map(([subpath]) => specifierOf(subpath));

const MIGRATION = `import type { SqlContext } from '${manifest.name}';

export async function up(ctx: SqlContext): Promise<void> {
  const table: string = 'greetings';
  await ctx.exec(\`CREATE TABLE \${table} (id INTEGER PRIMARY KEY, text TEXT NOT NULL)\`);
}
`;

/** Uses every entry point, and one misuse that must stay a type error (else tsc reports the unused directive). */
const APP = `import { createMigrator, defineConfig, StrataError, type SqlMigrator, type StrataConfig } from '${manifest.name}';
import { MigrationManager } from '${manifest.name}/document';
import { jsonFileStore } from '${manifest.name}/document/node';

export const migrator: SqlMigrator = createMigrator({ db: ':memory:', backup: false });
export const steps = new MigrationManager<{ version: number }>();
export const store = jsonFileStore('state.json');
export const isError = (error: unknown): boolean => error instanceof StrataError;
// @ts-expect-error a number is not a database
createMigrator({ db: 12345 });
export const config: StrataConfig = defineConfig({ db: './app.db', backup: { keepDays: 7 } });
// @ts-expect-error a misspelt key in strata.config.ts
defineConfig({ dbb: './app.db' });
`;

const TSCONFIG = JSON.stringify({
  compilerOptions: {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    skipLibCheck: false,
    noEmit: true,
    // Node's types from this repository: an app has its own, and typeRoots adds no other package.
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    types: ['node'],
  },
  include: ['*.ts'],
});

/** Loads every entry point, checks one error class across them, and runs a migration in memory. */
const USE = (load: (specifier: string) => string, specifiers: readonly string[]) => `
const loaded = [];
for (const specifier of ${JSON.stringify(specifiers)}) loaded.push([specifier, Object.keys(${load('specifier')}).length]);
const root = ${load(`'${manifest.name}'`)};
const document = ${load(`'${manifest.name}/document'`)};
if (root.StrataError !== document.StrataError) throw new Error('two StrataError classes');
const migrator = root.createMigrator({ db: ':memory:', backup: false });
migrator.register({ version: '1', name: 'one', up: (ctx) => ctx.exec('CREATE TABLE one (id INTEGER)') });
const report = await migrator.migrate();
await migrator.close();
console.log(JSON.stringify({ loaded, applied: report.results.map((r) => r.name) }));
`;

let project = '';
let tarball = '';
let packedFiles: string[] = [];

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '' };
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.status, 0, `${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** The project's own bin, never the registry's unrelated `strata` (--no: do not install). */
function strata(args: string[], bin = 'strata'): SpawnSyncReturns<string> {
  return run('npx', ['--no', '--', bin, ...args], project);
}

describe('the package as a consumer installs it', () => {
  before(() => {
    for (const built of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/cli/main.cjs']) {
      assert.ok(existsSync(join(ROOT, built)), `${built} is missing: run npm run build first (npm test does)`);
    }
    project = mkdtempSync(join(tmpdir(), 'strata-consumer-'));
    // --ignore-scripts: pack what `npm test` built; prepack's rebuild would empty dist/ under the tests running beside this one.
    const packed = JSON.parse(ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], ROOT), 'npm pack')) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = packed[0]!.filename;
    packedFiles = packed[0]!.files.map((f) => f.path);
    writeFiles(project, {
      'package.json': JSON.stringify({ name: 'strata-consumer', private: true }),
      'esm/package.json': JSON.stringify({ type: 'module' }),
      'esm/tsconfig.json': TSCONFIG,
      'esm/app.ts': APP,
      'esm/use.mjs': USE((s) => `(await import(${s}))`, subpaths),
      'esm/migrations/0001_greetings.ts': MIGRATION,
      'cjs/package.json': JSON.stringify({ type: 'commonjs' }),
      'cjs/tsconfig.json': TSCONFIG,
      'cjs/app.ts': APP,
      'cjs/use.cjs': `(async () => {${USE((s) => `require(${s})`, requirable)}})().catch((error) => { console.error(error); process.exitCode = 1; });`,
      'cjs/migrations/0001_greetings.ts': MIGRATION,
    });
    const install = run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`, `better-sqlite3@${betterSqlite3Version}`],
      project,
    );
    ok(install, 'npm install of the tarball');
    const binary = join('build', 'Release', 'better_sqlite3.node');
    mkdirSync(join(project, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
    copyFileSync(join(betterSqlite3, binary), join(project, 'node_modules', 'better-sqlite3', binary));
  });

  after(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('the tarball holds dist/, the README, the LICENSE and package.json, and runs nothing on install', () => {
    assert.deepEqual([...new Set(packedFiles.map((file) => file.split('/')[0]))].sort(), ['LICENSE', 'README.md', 'dist', 'package.json']);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', manifest.name, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    const lifecycle = Object.keys(installed.scripts ?? {}).filter((name) => ['preinstall', 'install', 'postinstall', 'prepare'].includes(name));
    assert.deepEqual(lifecycle, []);
  });

  it('a SQLite-only install has no pg, mysql2, PGlite, esbuild, tsx or @types/node', (t) => {
    for (const absent of ['pg', 'mysql2', '@electric-sql/pglite', 'esbuild', 'tsx', '@types/node']) {
      assert.equal(existsSync(join(project, 'node_modules', absent)), false, `${absent} was installed`);
    }
    const size = (dir: string) => Number(ok(run('du', ['-sk', dir], project), 'du').split('\t')[0]);
    const total = size('node_modules');
    const own = size(join('node_modules', manifest.name));
    const sqlite = size(join('node_modules', 'better-sqlite3'));
    const message = `SQLite-only install: node_modules ${(total / 1024).toFixed(1)} MB (${manifest.name} ${(own / 1024).toFixed(1)} MB, better-sqlite3 with its prebuilt-size binary ${(sqlite / 1024).toFixed(1)} MB)`;
    t.diagnostic(message);
  });

  it('both bins print the version', () => {
    for (const bin of ['strata', 'strata-migrate']) assert.equal(ok(strata(['--version'], bin), `npx ${bin} --version`).trim(), manifest.version);
  });

  for (const app of ['esm', 'cjs'] as const) {
    it(`the ${app === 'esm' ? 'ES module' : 'CommonJS'} app type-checks with strict, nodenext and skipLibCheck false`, () => {
      const listed = ok(run(process.execPath, [TSC, '-p', join(app, 'tsconfig.json'), '--listFiles'], project), `tsc (${app})`);
      // The format decides the declarations: .d.cts for require(), .d.ts for import.
      const declarations = app === 'cjs' ? 'index.d.cts' : 'index.d.ts';
      assert.ok(
        listed.split('\n').some((file) => file.endsWith(`/node_modules/${manifest.name}/dist/${declarations}`)),
        `tsc did not read dist/${declarations}:\n${listed}`,
      );
    });

    it(`the ${app === 'esm' ? 'ES module' : 'CommonJS'} app loads every entry point (CommonJS: every one with a require build) and migrates`, () => {
      const printed = JSON.parse(ok(run(process.execPath, [app === 'esm' ? 'use.mjs' : 'use.cjs'], join(project, app)), `node use (${app})`)) as {
        loaded: [string, number][];
        applied: string[];
      };
      assert.deepEqual(
        printed.loaded.map(([specifier]) => specifier),
        app === 'esm' ? subpaths : requirable,
      );
      for (const [specifier, exported] of printed.loaded) assert.ok(exported > 0, `${specifier} exports nothing`);
      assert.deepEqual(printed.applied, ['one']);
    });
  }

  it('a server URL without its driver installed is DRIVER_MISSING, naming the install command', () => {
    for (const [url, driver] of [
      ['postgres://127.0.0.1:5432/test', 'pg'],
      ['mysql://root@127.0.0.1:3306/test', 'mysql2'],
    ] as const) {
      const result = strata(['status', '--dir', 'esm/migrations', '--db', url]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, /DRIVER_MISSING/);
      assert.match(result.stderr, new RegExp(`npm install ${driver}\\b`));
    }
  });

  it(`strata migrate runs a .ts migration: ${nodeStripsTypes ? "with Node's type stripping" : 'TYPESCRIPT_UNSUPPORTED'} without tsx, and through tsx once installed`, () => {
    const migrate = (app: string) => strata(['migrate', '--dir', `${app}/migrations`, '--db', `${app}/app.db`]);
    for (const app of ['esm', 'cjs']) {
      const first = migrate(app);
      if (nodeStripsTypes) {
        ok(first, `strata migrate (${app}, Node ${process.versions.node})`);
      } else {
        assert.equal(first.status, 1, first.stderr);
        assert.match(first.stderr, /TYPESCRIPT_UNSUPPORTED/);
        assert.match(first.stderr, /npm install -D tsx/);
      }
    }
    ok(run('npm', ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', `tsx@${tsxVersion}`], project), 'npm install tsx');
    for (const app of ['esm', 'cjs']) {
      rmSync(join(project, app, 'app.db'), { force: true });
      assert.match(ok(migrate(app), `strata migrate with tsx (${app})`), /applied\s+1_greetings/);
      const status = JSON.parse(ok(strata(['status', '--json', '--dir', `${app}/migrations`, '--db', `${app}/app.db`]), 'strata status')) as unknown;
      assert.match(JSON.stringify(status), /"greetings"/);
    }
  });
});
