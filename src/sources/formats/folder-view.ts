/** A FolderView over the file system: each file read at most once per view (one read of the folder). */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { readRegularFile } from '../../fs/read-regular-file.js';
import { join, relative } from 'node:path';
import { normaliseSource } from '../checksum.js';
import type { FolderView } from './format.js';
import { anchorShape } from '../../engine/shape-anchors.js';

/** `listing`: the folder's entries with their types, when the caller listed it so already (no second listing). */
export function folderView(dir: string, entries: readonly string[], displayRoot: string, listing?: readonly Dirent[]): FolderView {
  return new FsFolderView(dir, entries, displayRoot, listing);
}

/**
 * Prototype methods, not closures made per view: format detection asks about every entry on
 * every read of the folder, and V8 keeps a closure's optimized code only while one of its
 * closures lives (see folder-source.ts). Methods read `this`: pass them on as
 * `(path) => view.display(path)`, not detached.
 */
class FsFolderView implements FolderView {
  readonly entries: readonly string[];
  private readonly bytesRead = new Map<string, Buffer>();
  private readonly texts = new Map<string, string>();
  /** The top-level folders, from one listing with types on first use (not a stat per entry). */
  private topFolders: Set<string> | undefined;

  constructor(
    readonly dir: string,
    entries: readonly string[],
    private readonly displayRoot: string,
    private readonly listing: readonly Dirent[] | undefined,
  ) {
    this.entries = visible([...entries]);
  }

  display(path: string): string {
    return relative(this.displayRoot, this.absolute(path)) || path;
  }

  absolute(path: string): string {
    return join(this.dir, path);
  }

  exists(path: string): boolean {
    return existsSync(this.absolute(path));
  }

  isDirectory(path: string): boolean {
    return path.includes('/') ? isFolder(this.absolute(path)) : this.isTopFolder(path);
  }

  list(path: string): string[] {
    return visible(readdirSync(this.absolute(path)));
  }

  text(path: string): string {
    let found = this.texts.get(path);
    if (found === undefined) this.texts.set(path, (found = normaliseSource(this.bytes(path).toString('utf8'))));
    return found;
  }

  bytes(path: string): Buffer {
    let found = this.bytesRead.get(path);
    if (!found) this.bytesRead.set(path, (found = readRegularFile(this.absolute(path), this.display(path))));
    return found;
  }

  private isTopFolder(name: string): boolean {
    this.topFolders ??= topFoldersOf(this.dir, this.listing ?? readdirSync(this.dir, { withFileTypes: true }));
    return this.topFolders.has(name);
  }
}

// A folder read makes one view and drops it: without a twin, its class died at each full GC (shape-anchors.ts).
anchorShape('FsFolderView', new FsFolderView('', [], '', []));

function topFoldersOf(dir: string, listing: readonly Dirent[]): Set<string> {
  const folders = new Set<string>();
  for (const entry of listing) {
    if (entry.isDirectory() || (entry.isSymbolicLink() && isFolder(join(dir, entry.name)))) folders.add(entry.name);
  }
  return folders;
}

function visible(names: string[]): string[] {
  return names.filter(isVisible).sort();
}

function isVisible(name: string): boolean {
  return !name.startsWith('.');
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // A dangling link or a file removed since the listing: not a folder (reading it reports it).
    return false;
  }
}
