// An esbuild plugin for the CLI bundle: `import { createMigrator } from 'strata-migrate'` in
// src/cli/ becomes `import { createMigrator } from '<src>/create-migrator.ts'`, the module that
// declares the name. esbuild's code splitting assigns a file to the chunks of every entry that
// reaches it through any import, used or not: through the package's index (which re-exports the
// lint rules, importers, backups...) the smallest command reached the whole library and loaded
// it at start-up. Imported straight from their modules, a command's chunks hold only what it uses.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = `${ROOT}/src`;
const PACKAGE_NAME = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).name;

/** `export { a, b as c, type T } from './x.js'`, `export * from './x.js'`, and `export <declaration> name`. */
const RE_EXPORT = /^export\s*\{([^}]*)\}\s*from\s*'([^']+)';/gm;
const STAR_EXPORT = /^export\s*\*\s*from\s*'([^']+)';/gm;
const DECLARATION = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|enum)\s+([\w$]+)/gm;
const LOCAL_EXPORT = /^export\s*\{([^}]*)\}\s*;/gm;
const IMPORT = new RegExp(`^import\\s*\\{([^}]*)\\}\\s*from\\s*'(${PACKAGE_NAME.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}(?:/[\\w/-]+)?)';`, 'gm');

/** The names of a specifier list, without the type-only ones: [exported, local]. */
function specifiers(list) {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('type '))
    .map((s) => {
      const [local, exported = local] = s.split(/\s+as\s+/);
      return { local: local.trim(), exported: exported.trim() };
    });
}

const sourceOfImport = (from, specifier) => resolve(dirname(from), specifier.replace(/\.js$/, '.ts'));

const exportsCache = new Map();
/** Where each value a module exports is declared: exported name -> { file, name }. */
function declaredExports(file) {
  let map = exportsCache.get(file);
  if (map) return map;
  map = new Map();
  exportsCache.set(file, map);
  const text = readFileSync(file, 'utf8');
  for (const [, name] of text.matchAll(DECLARATION)) map.set(name, { file, name });
  for (const [, list] of text.matchAll(LOCAL_EXPORT)) for (const { local, exported } of specifiers(list)) map.set(exported, { file, name: local });
  for (const [, list, from] of text.matchAll(RE_EXPORT)) {
    const target = sourceOfImport(file, from);
    for (const { local, exported } of specifiers(list)) map.set(exported, declaredExports(target).get(local) ?? { file: target, name: local });
  }
  for (const [, from] of text.matchAll(STAR_EXPORT)) {
    for (const [name, at] of declaredExports(sourceOfImport(file, from))) if (name !== 'default' && !map.has(name)) map.set(name, at);
  }
  return map;
}

/** The package's entry for a specifier ('strata-migrate/backup' -> src/backup.ts), as tsconfig's paths map it. */
function entryOf(specifier) {
  const subpath = specifier.slice(PACKAGE_NAME.length);
  return subpath === '' ? `${SOURCES}/index.ts` : `${SOURCES}${subpath}.ts`;
}

function rewrite(text, file) {
  return text.replace(IMPORT, (statement, list, specifier) => {
    const exported = declaredExports(entryOf(specifier));
    const byFile = new Map();
    for (const { local, exported: name } of specifiers(list)) {
      const at = exported.get(local);
      if (!at) throw new Error(`${file}: ${specifier} has no export named ${local} (scripts/direct-imports.mjs reads its export statements)`);
      const names = byFile.get(at.file) ?? [];
      names.push(at.name === name ? name : `${at.name} as ${name}`);
      byFile.set(at.file, names);
    }
    // As many lines as the statement had, so that the lines after it keep their numbers.
    const lines = '\n'.repeat(statement.split('\n').length - 1);
    return [...byFile].map(([from, names]) => `import { ${names.join(', ')} } from ${JSON.stringify(from)};`).join(' ') + lines;
  });
}

/**
 * What `strata migrate` loads: imported by every module the CLI bundle loads with `import()`
 * (each command, the linter, a trace...). esbuild puts a module in the chunk of the exact set of
 * entries that reach it, so modules reached by different subsets of the ~25 entries landed in
 * ~30 chunks, and each file loaded cost start-up time (~1-2 ms each). Reached by every entry, the
 * core is one chunk, and `strata migrate` loads 4 files.
 */
const CORE = [`${SOURCES}/cli/commands/migrate.ts`, `${SOURCES}/cli/command-context.ts`, `${SOURCES}/cli/args.ts`, `${SOURCES}/cli/output.ts`];

/** Every module some source file loads with `import('...')`, read from the sources. */
function dynamicImportTargets() {
  const targets = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts')) {
        for (const [, specifier] of readFileSync(path, 'utf8').matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) {
          if (specifier.startsWith('.')) targets.add(sourceOfImport(path, specifier));
          else if (specifier === PACKAGE_NAME || specifier.startsWith(`${PACKAGE_NAME}/`)) targets.add(entryOf(specifier));
        }
      }
    }
  };
  walk(SOURCES);
  return targets;
}

export const directImports = {
  name: 'strata-direct-imports',
  setup(build) {
    const entries = dynamicImportTargets();
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const own = readFileSync(args.path, 'utf8');
      const text = args.path.startsWith(`${SOURCES}/cli/`) ? rewrite(own, args.path) : own;
      if (!entries.has(args.path)) return { contents: text, loader: 'ts' };
      // Before the file's first line, on that line: every line keeps its number.
      return { contents: `${CORE.map((file) => `import ${JSON.stringify(file)};`).join(' ')} ${text}`, loader: 'ts' };
    });
  },
};
