/**
 * Dot-path lookup over decoded JSON (`get('settings.language')`), shared by the key-value readers.
 * `\.` in a path is a literal dot (a key such as `"a.b"`); array indexes are plain numbers (`items.0.id`).
 */
import type { KeyValueSource } from './reader-types.js';

export function splitPath(path: string): string[] {
  if (path === '') return [];
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && path[i + 1] === '.') {
      current += '.';
      i++;
    } else if (c === '.') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const MISSING = Symbol('missing');

export function lookup(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const part of splitPath(path)) {
    if (value === null || typeof value !== 'object') return MISSING;
    if (!Object.hasOwn(value, part)) return MISSING;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A KeyValueSource over an already decoded object. */
export class ObjectSource implements KeyValueSource {
  constructor(
    readonly description: string,
    readonly value: Record<string, unknown>,
  ) {}

  get<T = unknown>(path: string): T | undefined {
    const found = lookup(this.value, path);
    return found === MISSING ? undefined : (found as T);
  }

  has(path: string): boolean {
    return lookup(this.value, path) !== MISSING;
  }
}
