/** SQLite files by glob, sorted by path so that every run (and every runner) sees one order. */
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { targetsInvalid, type FoundDatabase } from './target-source.js';

export async function globDatabases(patterns: string | readonly string[], base: string): Promise<FoundDatabase[]> {
  const list = [patterns].flat();
  if (list.length === 0 || list.some((p) => typeof p !== 'string' || p === '')) {
    throw targetsInvalid('a fleet glob must be a non-empty pattern', "e.g. --targets 'tenants/*.db'");
  }
  // Only files: a folder named like a database is not one, and saying so per target is noise.
  const files = await glob([...list], { cwd: base, absolute: true, onlyFiles: true, dot: false, ignore: ['**/*-wal', '**/*-shm', '**/*-journal'] });
  return files
    .map((file) => resolve(file))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((db) => ({ db }));
}
