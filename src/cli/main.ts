#!/usr/bin/env node
/**
 * The `strata` bin. Built, it runs the CLI (program.ts, bundled as dist/cli/program.cjs, one
 * CommonJS file) through V8's code cache (compile-cache.ts): on Node 20, which keeps no compiled
 * code between runs, compiling the CLI's ES module chunks cost a no-op `strata migrate` ~30 ms of
 * CPU and ~12 ms of wall time (bench/README.md). CommonJS because only a classic script can be given cached data without
 * experimental flags. Built, the bin itself is CommonJS too (dist/cli/main.cjs): an ES module
 * entry starts Node's ES module loader first, ~8 ms of every run. From the sources (under tsx),
 * this file runs as an ES module and imports the program as it is.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cacheKeyOf, runCommonJsCached } from './compile-cache.js';

/** Set by scripts/bundle-cli.mjs: the bundle's content hash, naming its caches (one per command). */
declare const STRATA_PROGRAM_ID: string;

// The program's import() of drivers and of the user's modules, made from this ES module: the hook
// src/fs/import-module.ts looks for (the CLI reaches Strata only through its package entries, so
// the key is written out; test/compile-cache.test.ts fails on the warning if the two differ).
(globalThis as Record<symbol, unknown>)[Symbol.for('strata-migrate.import')] = (specifier: string) => import(specifier);

const bundle = fileURLToPath(new URL('./program.cjs', import.meta.url));
if (typeof STRATA_PROGRAM_ID === 'string' && existsSync(bundle)) runCommonJsCached(bundle, `${STRATA_PROGRAM_ID}-${cacheKeyOf(process.argv.slice(2))}`);
// Not a string literal: the bin's bundle must not take the program in. Not awaited: the bin is
// built as CommonJS (no top-level await); a failure to load is an unhandled rejection, which
// prints it and exits non-zero as an awaited one did.
else void import(new URL('./program.js', import.meta.url).href);
