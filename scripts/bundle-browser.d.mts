// Types of bundle-browser.mjs for the tests that import it.
import type { BuildOptions } from 'esbuild';

export interface BrowserEntry {
  subpath: string;
  source: string;
  esm: string;
  types: string;
  browser: string;
}
export function browserBuildOptions(entry: BrowserEntry): BuildOptions;
export function browserEntries(): BrowserEntry[];
export const browserSeams: Record<string, string>;
export const browserSeamsPlugin: import('esbuild').Plugin;
