// The API reference (docs/api/), written by TypeDoc from the public entry points' types: the
// entries are read from package.json's exports, so a new entry point is documented without a
// change here, and each entry's `@module` tag names its page (docs/api/strata-migrate/backup.md).
// Markdown pages (they read on GitHub and on the registry), no source links (they would change
// with every edit to src/ and make the committed pages stale for no reason). Any warning fails
// the run: an exported API that refers to a type the package does not export, or a broken
// {@link}. `npm run docs:api` rewrites docs/api/; test/api-docs.test.ts holds it current.
import { exportEntries } from './scripts/package-entries.mjs';

/** @type {Partial<import('typedoc').TypeDocOptions & import('typedoc-plugin-markdown').PluginOptions>} */
export default {
  entryPoints: exportEntries().map((entry) => entry.source),
  tsconfig: 'tsconfig.build.json',
  plugin: ['typedoc-plugin-markdown'],
  out: 'docs/api',
  cleanOutputDir: true,
  readme: 'none',
  name: 'strata-migrate',
  outputFileStrategy: 'modules',
  entryFileName: 'README.md',
  disableSources: true,
  excludePrivate: true,
  excludeInternal: true,
  githubPages: false,
  hidePageHeader: true,
  hideBreadcrumbs: true,
  // The engine's own EventChannel is the base of the exported one of the same name (which adds
  // every task's events): one class for users, documented once.
  intentionallyNotExported: ['src/engine/events.ts:EventChannel'],
  validation: { notExported: true, invalidLink: true, notDocumented: false },
  treatWarningsAsErrors: true,
  logLevel: 'Warn',
};
