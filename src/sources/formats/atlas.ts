/**
 * Atlas's versioned migrations folder, read in place (https://atlasgo.io/concepts/migration-directory-integrity):
 * `<version>_<name>.sql` plain files and `atlas.sum`, the folder's integrity file. As Atlas does,
 * Strata refuses to run a folder whose files no longer match their `atlas.sum` lines (a file
 * edited or inserted after hashing); files after the last hashed one (new migrations written
 * since) are read without a sum line. `-- atlas:txmode none` runs a file outside a transaction;
 * `-- atlas:delimiter` and `-- atlas:checkpoint` files are refused. Up only (Atlas computes downs; it stores none).
 */
import { createHash } from 'node:crypto';
import { ErrorCode, StrataError } from '../../model/errors.js';
import { canonicalVersion } from '../../model/version.js';
import { parsePlainSql } from '../sql/parse-sql-migration.js';
import { malformed, namesInvalid, unsupported } from './format-errors.js';
import type { FolderView, FormatStep, MigrationFormat } from './format.js';

export const ATLAS_SUM = 'atlas.sum';
const FILE = /^(\d+)(?:_(.*))?\.sql$/;

export interface AtlasSum {
  /** The first line's `h1:` hash over every file line. */
  sum: string;
  /** Each file's line, in order: the hash is `h1:` + base64 sha256 over the names and contents up to it. */
  files: { name: string; hash: string }[];
}

export const atlasFormat: MigrationFormat = {
  name: 'atlas',
  title: 'Atlas',
  signature: (folder) => (folder.entries.includes(ATLAS_SUM) ? [ATLAS_SUM] : []),
  read(folder) {
    if (!folder.exists(ATLAS_SUM)) {
      throw malformed(folder.display(ATLAS_SUM), 'is missing: Atlas folders carry their integrity file', "run 'atlas migrate hash' to write it");
    }
    const names = folder.entries.filter((entry) => entry.endsWith('.sql') && !entry.startsWith('_') && !folder.isDirectory(entry));
    const bad = names.filter((name) => !FILE.test(name));
    if (bad.length)
      throw namesInvalid(
        atlasFormat,
        bad.map((name) => folder.display(name)),
        '<version>_<name>.sql, the version in digits',
      );
    checkSum(folder, names);
    return names.map((entry): FormatStep => {
      const [, version = '', name = ''] = FILE.exec(entry)!;
      const display = folder.display(entry);
      const text = folder.text(entry);
      const header = headerDirectives(text);
      if (header.has('delimiter')) {
        throw unsupported(
          atlasFormat,
          display,
          "'-- atlas:delimiter' (a custom statement delimiter)",
          'write the statements with ; as the delimiter (Strata keeps function and trigger bodies whole)',
        );
      }
      if (header.has('checkpoint')) {
        throw unsupported(
          atlasFormat,
          display,
          "a checkpoint ('-- atlas:checkpoint'), run instead of the files before it on an empty database",
          "remove it and let the files before it build an empty database, or record an existing database's versions with 'strata baseline V'",
        );
      }
      const transaction = header.get('txmode') !== 'none';
      return {
        version: canonicalVersion(version),
        name: name || version,
        file: { path: entry, display, text },
        parse: (sql, _down, syntax) => ({ up: parsePlainSql(sql, syntax, transaction), down: undefined }),
      };
    });
  },
};

/** `-- atlas:<name> <value>` lines in the file's leading comments. */
function headerDirectives(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('--')) break;
    const directive = /^--\s*atlas:(\w+)\s*(.*)$/.exec(trimmed);
    if (directive) found.set(directive[1]!, directive[2]!.trim());
  }
  return found;
}

function checkSum(folder: FolderView, names: string[]): void {
  const recorded = parseAtlasSum(folder.text(ATLAS_SUM), folder.display(ATLAS_SUM));
  const computed = atlasHashFile(names.map((name) => ({ name, contents: folder.bytes(name) })));
  const byName = new Map(computed.files.map((file) => [file.name, file.hash]));
  const changed = recorded.files.filter((line) => byName.get(line.name) !== line.hash).map((line) => line.name);
  if (changed.length === 0) return;
  const missing = changed.filter((name) => !byName.has(name));
  throw new StrataError(
    ErrorCode.CHECKSUM_MISMATCH,
    `${folder.display(ATLAS_SUM)} does not match the folder: ${changed.map((name) => (missing.includes(name) ? `${name} (missing)` : name)).join(', ')}`,
    {
      hint: "restore the files as they were hashed (Atlas refuses this folder too), or, if the edits are intended, run 'atlas migrate hash'",
      details: { file: folder.display(ATLAS_SUM), changed, missing },
    },
  );
}

/** Reads an `atlas.sum`: its first line `h1:<sum>`, then `<file> h1:<hash>` per file. */
export function parseAtlasSum(text: string, display = ATLAS_SUM): AtlasSum {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const first = /^h1:(\S+)$/.exec(lines[0] ?? '');
  if (!first) throw malformed(display, "does not start with an 'h1:' sum line", "run 'atlas migrate hash' to rewrite it", 1);
  const files = lines.slice(1).map((line, k) => {
    const match = /^(.+) h1:(\S+)$/.exec(line);
    if (!match) throw malformed(display, `'${line}' is not a '<file> h1:<hash>' line`, "run 'atlas migrate hash' to rewrite it", k + 2);
    return { name: match[1]!, hash: match[2]! };
  });
  return { sum: first[1]!, files };
}

/**
 * Atlas's integrity hashes (ariga/atlas sql/migrate/dir.go, NewHashFile and HashFile.Sum): one
 * running sha256 over each file's name and bytes, in name order, read after each file (base64);
 * a file with `-- atlas:sum ignore` adds its name only and gets no line. The sum hashes every
 * line's name and hash.
 */
export function atlasHashFile(files: readonly { name: string; contents: Buffer | string }[]): AtlasSum {
  const running = createHash('sha256');
  const lines: AtlasSum['files'] = [];
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    running.update(file.name);
    const text = typeof file.contents === 'string' ? file.contents : file.contents.toString('utf8');
    if (headerDirectives(text).get('sum') === 'ignore') continue;
    running.update(file.contents);
    lines.push({ name: file.name, hash: running.copy().digest('base64') });
  }
  const sum = createHash('sha256');
  for (const line of lines) sum.update(line.name).update(line.hash);
  return { sum: sum.digest('base64'), files: lines };
}

/** The `atlas.sum` text for these hashes, as `atlas migrate hash` writes it. */
export function formatAtlasSum(sum: AtlasSum): string {
  return `h1:${sum.sum}\n${sum.files.map((file) => `${file.name} h1:${file.hash}\n`).join('')}`;
}
