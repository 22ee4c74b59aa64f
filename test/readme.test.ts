/**
 * Every code block of README.md and docs/*.md runs here (docs/cli.md and docs/api/ are generated
 * and held by their own tests):
 * - `ts`: a block that starts with `// examples/api/NAME.ts` must be that file verbatim, and the
 *   file runs; any other block runs as written (from a file in the repository, so
 *   `strata-migrate` resolves to src/, in a fresh working folder). Each `console.log(...); // x`
 *   must print x, in order. All of them type-check too (one tsc run, strict, as the project).
 * - `json`: parses.
 * - `sh`: a block of `npm install` lines names only this package, its peers and tsx; any other
 *   block runs in bash (`set -euo pipefail`) in a fresh folder where `strata` / `npx strata` is
 *   the built CLI and `strata-migrate` is installed; `# exit N` after a command expects status N.
 * - anything else, or a block that cannot run here, needs a marker on the line before it:
 *   `<!-- docs-test: skip (why) -->` (counted and listed below) or `<!-- docs-test: ci (why) -->`
 *   (each command must be in .ci/run, which runs it on a fresh clone).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type DocBlock, blocksOf, docPages, markerLines, readPage } from './docs-blocks.js';
import { CLI, ROOT, tempDir } from './helpers.js';

/** Blocks that opt out. Raising this is a decision: say in the marker why the block cannot run. */
const EXPECTED_SKIPS = 15;

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  homepage: string;
  peerDependencies: Record<string, string>;
};
/** Pages other branches add; the index links them before they land. */
const PENDING_PAGES = new Set(['docs/baseline-and-adopt.md', 'docs/drift-and-schema.md', 'docs/ledger.md']);
const blocks = docPages().flatMap(blocksOf);
const scratch = join(ROOT, 'test', '.docs-blocks');
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('code blocks in README.md and docs/*.md', () => {
  it('every docs-test marker is well formed and right before a code block', () => {
    for (const page of docPages()) {
      const marked = new Set(blocksOf(page).flatMap((b) => (b.marker ? [b.line - 1] : [])));
      for (const line of markerLines(page))
        assert.ok(marked.has(line), `${page}:${line}: a docs-test marker must be "<!-- docs-test: skip|ci (why) -->" right before a fence`);
    }
  });

  it('every examples/api file is embedded verbatim in a page', () => {
    const embedded = blocks.map((b) => b.text.trim());
    for (const file of readdirSync(join(ROOT, 'examples', 'api')).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(ROOT, 'examples', 'api', file), 'utf8').trim();
      assert.ok(embedded.includes(source), `examples/api/${file} must appear verbatim in README.md or a docs/*.md page`);
    }
  });

  for (const block of blocks.filter((b) => !b.marker)) {
    it(`${block.page}:${block.line} (${block.lang || 'no language'})`, () => run(block));
  }

  it('the ts blocks type-check (strict, as the project does)', { timeout: 120_000 }, () => {
    // tsx runs a block without checking its types: one tsc run over all of them catches a
    // snippet that calls the API with what it no longer takes. examples/api is in tsconfig.json.
    const dir = join(scratch, 'typecheck');
    mkdirSync(dir, { recursive: true });
    const files = blocks
      .filter((b) => b.lang === 'ts' && !b.marker && !/^\/\/ examples\/api\//.test(b.text))
      .map((b) => {
        const file = join(dir, `${b.page.replace(/\W/g, '_')}_${b.line}.ts`);
        writeFileSync(file, b.text);
        return file;
      });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../../tsconfig.json', include: ['*.ts'], compilerOptions: { noEmit: true } }));
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    // The scratch file docs_journal_md_9.ts is the block at line 9 of docs/journal.md.
    const where = (text: string) =>
      text.replace(
        /test\/\.docs-blocks\/typecheck\/(docs_)?([\w-]+?)_md_(\d+)\.ts/g,
        (_, docs, name, line) => `${docs ? 'docs/' : ''}${name}.md (block at line ${line})`,
      );
    assert.equal(tsc.status, 0, `${files.length} blocks checked:\n${where(tsc.stdout)}${tsc.stderr}`);
  });

  for (const block of blocks.filter((b) => b.marker?.kind === 'ci')) {
    it(`${block.page}:${block.line} runs in .ci/run`, () => {
      const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
      for (const command of commands(block.text).flatMap((line) => line.split('&&').map((c) => c.trim()))) {
        assert.ok(ci.includes(command), `.ci/run must run \`${command}\` (${block.page}:${block.line} says it does)`);
      }
    });
  }

  it('the blocks that opt out are counted and listed', (t) => {
    const skipped = blocks.filter((b) => b.marker?.kind === 'skip');
    for (const b of skipped) t.diagnostic(`not run: ${b.page}:${b.line} (${b.marker!.reason})`);
    assert.equal(
      skipped.length,
      EXPECTED_SKIPS,
      `${skipped.length} blocks opt out, EXPECTED_SKIPS says ${EXPECTED_SKIPS}:\n${skipped.map((b) => `  ${b.page}:${b.line} ${b.marker!.reason}`).join('\n')}`,
    );
  });
});

describe('links in README.md and docs/*.md', () => {
  // The README is also the registry's page, where a relative link leads nowhere.
  const base = `${manifest.homepage.replace(/#.*$/, '')}/blob/main/`;
  const links = (page: string) => [...readPage(page).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  const exists = (path: string) => PENDING_PAGES.has(path) || existsSync(join(ROOT, path));

  it('README.md links are absolute, and the ones into this repository name files that exist', () => {
    for (const link of links('README.md')) {
      assert.match(link, /^(https?:\/\/|#)/, `README.md links to ${link}: use ${base}...`);
      if (link.startsWith(base)) assert.ok(exists(link.slice(base.length).replace(/#.*$/, '')), `README.md links to ${link}, which does not exist`);
    }
  });

  it('docs/*.md relative links name files (and headings) that exist', () => {
    for (const page of docPages().filter((p) => p.startsWith('docs/'))) {
      for (const link of links(page).filter((l) => !/^(https?:|mailto:)/.test(l))) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path ? join('docs', path).replace(/\\/g, '/') : page;
        assert.ok(exists(target), `${page} links to ${link}, which does not exist`);
        if (anchor && target.endsWith('.md') && existsSync(join(ROOT, target))) {
          assert.ok(headingAnchors(target).includes(anchor), `${page} links to ${link}: ${target} has no heading #${anchor}`);
        }
      }
    }
  });
});

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as dashes. */
function headingAnchors(page: string): string[] {
  return [...readPage(page).matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  );
}

function run(block: DocBlock): void {
  const where = `${block.page}:${block.line}`;
  switch (block.lang) {
    case 'ts':
      return runTypeScript(block, where);
    case 'json':
      assert.doesNotThrow(() => JSON.parse(block.text), `${where}: not valid JSON`);
      return;
    case 'sh':
      return commands(block.text).every((line) => line.startsWith('npm install ')) ? checkInstalls(block, where) : runShell(block, where);
    default:
      assert.fail(`${where}: a \`${block.lang || 'plain'}\` block cannot run; give it ts, json or sh, or a <!-- docs-test: skip (why) --> marker`);
  }
}

function runTypeScript(block: DocBlock, where: string): void {
  const named = /^\/\/ (examples\/api\/[\w.-]+\.ts)/.exec(block.text);
  let file: string;
  let cwd: string;
  if (named) {
    file = join(ROOT, named[1]!);
    assert.ok(existsSync(file), `${where} names ${named[1]}, which does not exist`);
    assert.equal(block.text.trim(), readFileSync(file, 'utf8').trim(), `${where} must be ${named[1]} verbatim`);
    cwd = ROOT;
  } else {
    mkdirSync(scratch, { recursive: true });
    file = join(scratch, `${block.page.replace(/\W/g, '_')}_${block.line}.ts`);
    writeFileSync(file, block.text);
    cwd = tempDir('strata-docs-block-');
  }
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), file], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json'), DATABASE_URL: '' },
  });
  assert.equal(result.status, 0, `${where} failed:\n${result.stderr}`);
  const printed = result.stdout.split('\n');
  let from = 0;
  for (const [, expected] of block.text.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)) {
    const at = printed.indexOf(expected!, from);
    assert.notEqual(at, -1, `${where}: expected the line ${JSON.stringify(expected)} in:\n${result.stdout}`);
    from = at + 1;
  }
}

/** `npm install X`: X must be this package, one of its optional peers, or tsx. */
function checkInstalls(block: DocBlock, where: string): void {
  const allowed = new Set([manifest.name, ...Object.keys(manifest.peerDependencies), 'tsx']);
  for (const line of commands(block.text)) {
    for (const name of line
      .split(/\s+/)
      .slice(2)
      .filter((word) => !word.startsWith('-'))) {
      assert.ok(allowed.has(name), `${where}: \`${line}\` installs ${name}, which is not ${[...allowed].join(', ')}`);
    }
  }
}

function runShell(block: DocBlock, where: string): void {
  const cwd = tempDir('strata-docs-sh-');
  mkdirSync(join(cwd, 'node_modules'));
  symlinkSync(ROOT, join(cwd, 'node_modules', manifest.name), 'dir');
  const script = block.text
    .split('\n')
    .map((line) => {
      const expect = /^(.*?)\s+# exit (\d+)$/.exec(line);
      if (!expect) return line;
      return `set +e; ${expect[1]}; status=$?; set -e; [ "$status" -eq ${expect[2]} ] || { echo "expected exit ${expect[2]}, got $status: ${expect[1]!.replace(/["$`\\]/g, '\\$&')}" >&2; exit 1; }`;
    })
    .join('\n');
  const prelude = `set -euo pipefail
strata() { node ${JSON.stringify(CLI)} "$@"; }
npx() { if [ "$1" = strata ]; then shift; strata "$@"; else echo "npx $1 is not run by the docs test" >&2; return 1; fi; }
`;
  const result = spawnSync('bash', ['-c', `${prelude}${script}`], { cwd, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  assert.equal(result.status, 0, `${where} failed:\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
}

/** The command lines of a shell block: comments and blank lines dropped. */
function commands(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}
