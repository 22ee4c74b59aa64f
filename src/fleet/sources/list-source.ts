/** A list of paths and URLs, in the order given; relative paths are relative to the fleet's base folder. */
import { resolve } from 'node:path';
import { targetsInvalid, type FoundDatabase } from './target-source.js';

export function isUrl(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^[a-z]:[\\/]/i.test(value);
}

/** A path made absolute; a URL (or `:memory:`) as it is. */
export function located(value: string, base: string): string {
  return isUrl(value) || value === ':memory:' ? value : resolve(base, value);
}

export function listDatabases(list: readonly unknown[], base: string): FoundDatabase[] {
  return list.map((entry, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw targetsInvalid(
        `fleet target ${index + 1} of the list is ${JSON.stringify(entry)}, not a path or URL`,
        'give each target as a SQLite path or a database URL',
      );
    }
    return { db: located(entry.trim(), base) };
  });
}
