// The package's public surface: the CLI and the examples reach Strata only through the package
// name and its declared entries (what users can import), every declared entry resolves after the
// build, and the root does not leak the internals it used to export.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
const entries = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json');
const specifierOf = (subpath: string) => (subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`);
const publicSpecifiers = new Set(entries.map(specifierOf));
/** Entries with a CommonJS build (the browser and Vite entries are ESM only). */
const requirable = new Set(entries.filter((subpath) => (pkg.exports[subpath] as { require?: unknown }).require !== undefined).map(specifierOf));

/**
 * CLI-only helpers the CLI still reaches inside the library: not for users, and shared with the
 * library code that uses them too, so neither public nor movable into src/cli/ as they are.
 * A follow-up moves or publishes each; a new deep import from the CLI fails this test.
 */
const CLI_INTERNALS = new Set<string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [path] : [];
  });
}

function specifiersOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = text.matchAll(
    /(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g,
  );
  return [...found].map((match) => (match[1] ?? match[2] ?? match[3])!);
}

/** Why `specifier` in `file` is not allowed, or undefined when it is. */
function deepImport(file: string, specifier: string, home: string): string | undefined {
  if (specifier.startsWith('node:')) return undefined;
  if (specifier.startsWith('.')) {
    const target = resolve(dirname(file), specifier);
    const inside = (dir: string) => target === dir || target.startsWith(dir + sep);
    if (inside(home)) return undefined;
    // Example tests share the repository's test helpers (servers, temp dirs), not Strata's code.
    if (file.includes(`${sep}test${sep}`) && inside(join(ROOT, 'test'))) return undefined;
    const source = relative(ROOT, target).replace(/\.js$/, '.ts').split(sep).join('/');
    if (home === join(ROOT, 'src', 'cli') && CLI_INTERNALS.has(source)) return undefined;
    return `reaches ${source} outside ${relative(ROOT, home)}`;
  }
  if (specifier === pkg.name || specifier.startsWith(`${pkg.name}/`)) {
    return publicSpecifiers.has(specifier) ? undefined : `${specifier} is not an entry declared in package.json exports`;
  }
  if (specifier === 'strata' || specifier.startsWith('strata/')) return `${specifier} is the old package name`;
  return undefined;
}

test('the CLI and the examples import Strata only through the package name and its declared entries', () => {
  const homes = [join(ROOT, 'src', 'cli'), ...readdirSync(join(ROOT, 'examples')).map((name) => join(ROOT, 'examples', name))];
  const problems: string[] = [];
  for (const home of homes) {
    for (const file of sourceFiles(home)) {
      for (const specifier of specifiersOf(file)) {
        const why = deepImport(file, specifier, home);
        if (why !== undefined) problems.push(`${relative(ROOT, file)}: '${specifier}' ${why}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the scan catches a deep import and an undeclared subpath', () => {
  const example = join(ROOT, 'examples', 'api');
  assert.match(deepImport(join(example, 'a.ts'), '../../src/index.js', example) ?? '', /outside examples/);
  assert.match(deepImport(join(example, 'a.ts'), 'strata-migrate/targets/sql/sql-target', example) ?? '', /not an entry/);
  assert.equal(deepImport(join(example, 'a.ts'), 'strata-migrate/backup', example), undefined);
});

test('every declared entry resolves to built files, for import and for require', () => {
  // A plain node child: under tsx the tsconfig paths would send the package name to src/.
  const probe = `
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/package.json');
    const out = {};
    const requirable = new Set(${JSON.stringify([...requirable])});
    for (const specifier of ${JSON.stringify([...publicSpecifiers])}) {
      const esm = Object.keys(await import(specifier)).sort();
      out[specifier] = { esm, cjs: requirable.has(specifier) ? Object.keys(require(specifier)).sort() : esm, file: import.meta.resolve(specifier) };
    }
    console.log(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const resolved = JSON.parse(child.stdout) as Record<string, { esm: string[]; cjs: string[]; file: string }>;
  for (const specifier of publicSpecifiers) {
    const entry = resolved[specifier]!;
    assert.match(entry.file, /\/dist\//, `${specifier} resolves outside dist: ${entry.file}`);
    assert.ok(entry.esm.length > 0, `${specifier}: ESM entry exports nothing`);
    assert.deepEqual(entry.cjs, entry.esm, `${specifier}: CommonJS and ESM exports differ`);
  }
  for (const [subpath, conditions] of Object.entries(pkg.exports)) {
    const files =
      typeof conditions === 'string'
        ? [conditions]
        : Object.values(conditions as Record<string, Record<string, string>>).flatMap((target) => Object.values(target));
    for (const file of files)
      assert.ok(statSync(join(ROOT, file), { throwIfNoEntry: false })?.isFile(), `exports["${subpath}"]: ${file} missing (run npm run build)`);
  }
});

test('the root exports no internals', async () => {
  const root = (await import('../src/index.js')) as Record<string, unknown>;
  for (const name of ['ledgerSql', 'SqlTarget', 'bindBatchSql', 'toSqlValue', 'StatusStore', 'parseCsv', 'parseTimeOption']) {
    assert.equal(name in root, false, `${name} is exported from the package root`);
  }
  for (const name of [
    'createMigrator',
    'Migrator',
    'StrataError',
    'EventChannel',
    'resolveDatabase',
    'openDriver',
    'SqliteDriver',
    'PostgresDriver',
    'MysqlDriver',
  ]) {
    assert.equal(name in root, true, `${name} is missing from the package root`);
  }
});

test('the task entries export what the README documents', async () => {
  const imports = (await import('../src/import.js')) as Record<string, unknown>;
  for (const name of ['runImport', 'openDexieExport', 'readReduxPersist', 'readConfigFile', 'jsonArrayReader'])
    assert.equal(typeof imports[name], 'function', name);
  const backup = (await import('../src/backup.js')) as Record<string, unknown>;
  assert.equal(typeof backup.BackupManager, 'function');
  const journal = (await import('../src/journal.js')) as Record<string, unknown>;
  assert.equal(typeof journal.journalOf, 'function');
  const backfill = (await import('../src/backfill.js')) as Record<string, unknown>;
  assert.equal(typeof backfill.backfill, 'function');
});
