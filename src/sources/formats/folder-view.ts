/** A FolderView over the file system: each file read at most once per view (one read of the folder). */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { readRegularFile } from '../../fs/read-regular-file.js';
import { join, relative } from 'node:path';
import { normaliseSource } from '../checksum.js';
import type { FolderView } from './format.js';

/** `listing`: the folder's entries with their types, when the caller listed it so already (no second listing). */
export function folderView(dir: string, entries: readonly string[], displayRoot: string, listing?: readonly Dirent[]): FolderView {
  const bytes = new Map<string, Buffer>();
  const texts = new Map<string, string>();
  const absolute = (path: string) => join(dir, path);
  const readBytes = (path: string) => {
    let found = bytes.get(path);
    if (!found) bytes.set(path, (found = readRegularFile(absolute(path), relative(displayRoot, absolute(path)) || path)));
    return found;
  };
  const visible = (names: string[]) => names.filter((name) => !name.startsWith('.')).sort();
  // One listing with types on first use, not a stat per entry: detection asks about every entry.
  let topFolders: Set<string> | undefined;
  const isTopFolder = (name: string) => {
    topFolders ??= new Set(
      (listing ?? readdirSync(dir, { withFileTypes: true }))
        .filter((entry) => entry.isDirectory() || (entry.isSymbolicLink() && isFolder(join(dir, entry.name))))
        .map((entry) => entry.name),
    );
    return topFolders.has(name);
  };
  return {
    dir,
    entries: visible([...entries]),
    display: (path) => relative(displayRoot, absolute(path)) || path,
    absolute,
    exists: (path) => existsSync(absolute(path)),
    isDirectory: (path) => (path.includes('/') ? isFolder(absolute(path)) : isTopFolder(path)),
    list: (path) => visible(readdirSync(absolute(path))),
    text: (path) => {
      let found = texts.get(path);
      if (found === undefined) texts.set(path, (found = normaliseSource(readBytes(path).toString('utf8'))));
      return found;
    },
    bytes: readBytes,
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // A dangling link or a file removed since the listing: not a folder (reading it reports it).
    return false;
  }
}
