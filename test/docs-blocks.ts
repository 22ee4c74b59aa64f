/**
 * The Markdown the docs tests read: the pages (README.md and docs/*.md; docs/api/ is TypeDoc's
 * output and docs/cli.md the command table's, each held by its own test) and their fenced code
 * blocks, with the opt-out marker a block may carry on the line before it:
 *
 *   <!-- docs-test: skip (why: e.g. output of a command, not a command) -->
 *   <!-- docs-test: ci (why) -->      the commands are run by .ci/run, which must contain each
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

export interface DocBlock {
  /** Relative to the repository: `docs/backups.md`. */
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  marker?: { kind: 'skip' | 'ci'; reason: string };
}

/** Pages written by hand, whose blocks and links the tests check. */
export function docPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md') && name !== 'cli.md')
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

export function readPage(page: string): string {
  return readFileSync(join(ROOT, page), 'utf8');
}

const MARKER = /^<!-- docs-test: (skip|ci) \((.+)\) -->$/;

export function blocksOf(page: string): DocBlock[] {
  const lines = readPage(page).split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${page}:${start + 1}: a code block is never closed`);
    const marker = MARKER.exec(lines[start - 1] ?? '');
    blocks.push({
      page,
      line: start + 1,
      lang: open[1]!,
      text: body.join('\n'),
      ...(marker ? { marker: { kind: marker[1] as 'skip' | 'ci', reason: marker[2]! } } : {}),
    });
  }
  return blocks;
}

/** Every marker, also the ones not right before a block (a typo must not silently do nothing). */
export function markerLines(page: string): number[] {
  return readPage(page)
    .split('\n')
    .flatMap((line, index) => (line.startsWith('<!-- docs-test') ? [index + 1] : []));
}
