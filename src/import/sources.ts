/**
 * Sources described as data (an import config file's `sources`): each `{ type, path, ... }` is
 * opened with its reader. Anything else (an object a `.ts` config built itself) is passed as is.
 */
import { resolve } from 'node:path';
import { ErrorCode, StrataError } from '../model/errors.js';
import { openDexieExport } from './readers/dexie-export.js';
import { readConfigFile } from './readers/json-config.js';
import { jsonArrayReader } from './readers/json-array.js';
import { readReduxPersistFile } from './readers/redux-persist.js';

export type SourceDescriptor =
  /** `workers: 0` reads on the inserting thread (default: a worker thread on 2+ cores). */
  | { type: 'dexie-export'; path: string; workers?: 0 | 1 }
  /** A file holding the `persist:<key>` value, or a JSON dump of storage entries with `key` naming the entry (default `persist:root`). */
  | { type: 'redux-persist'; path: string; key?: string }
  | { type: 'json-config'; path: string }
  | { type: 'json-array'; path: string; at?: string };

export const SOURCE_TYPES = ['dexie-export', 'redux-persist', 'json-config', 'json-array'] as const;

export function isSourceDescriptor(value: unknown): value is SourceDescriptor {
  return (
    Boolean(value) &&
    typeof value === 'object' &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { path?: unknown }).path === 'string'
  );
}

/** Opens every descriptor (paths relative to `base`); other values pass through. */
export async function openSources(sources: Record<string, unknown>, base: string): Promise<Record<string, unknown>> {
  const opened: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(sources)) {
    opened[name] = isSourceDescriptor(value) ? await openSource(name, value, base) : value;
  }
  return opened;
}

export async function openSource(name: string, descriptor: SourceDescriptor, base: string): Promise<unknown> {
  const path = resolve(base, descriptor.path);
  switch (descriptor.type) {
    case 'dexie-export':
      if (descriptor.workers !== undefined && descriptor.workers !== 0 && descriptor.workers !== 1) {
        throw new StrataError(ErrorCode.CONFIG_INVALID, `source "${name}": workers must be 0 or 1, got ${JSON.stringify(descriptor.workers)}`, {
          hint: '0 reads and parses on the inserting thread; 1 (the default on 2+ cores) in a worker thread',
        });
      }
      return openDexieExport(path, descriptor.workers === undefined ? {} : { workers: descriptor.workers });
    case 'json-config':
      return readConfigFile(path);
    case 'json-array':
      return jsonArrayReader(path, { at: descriptor.at });
    case 'redux-persist': {
      const key = descriptor.key ?? 'persist:root';
      return key.startsWith('persist:') ? readReduxPersistFile(path, key.slice('persist:'.length)) : readReduxPersistFile(path, key, '');
    }
    default:
      throw new StrataError(ErrorCode.CONFIG_INVALID, `source "${name}" has the unknown type "${(descriptor as { type: string }).type}"`, {
        hint: `the types are: ${SOURCE_TYPES.join(', ')}`,
      });
  }
}
