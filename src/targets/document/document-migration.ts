/**
 * A document migration: pure functions from the data at one version to the next (`up`) and
 * back (`down`), seed 000's shape, plus an optional Standard Schema the data must satisfy at
 * this version.
 */
import type { DocumentVersion } from './document-version.js';
import type { StandardSchemaV1 } from './standard-schema.js';

export interface DocumentMigration<Data = any> {
  version: DocumentVersion;
  description?: string;
  /** Shorter label for status lines; defaults to the description. */
  name?: string;
  up: (data: Data) => Data | Promise<Data>;
  down?: (data: Data) => Data | Promise<Data>;
  /** The data at this version: checked after `up` to this version and after `down` back to it. */
  schema?: StandardSchemaV1;
}

/** A registered migration: version normalised, checksum computed once. */
export interface RegisteredMigration<Data = any> extends DocumentMigration<Data> {
  version: DocumentVersion;
  name: string;
  checksum: string;
}

/**
 * A fingerprint of the functions' source, recorded in the history so `status` can say that an
 * applied migration's code has changed. Synchronous and dependency-free (crypto.subtle is async
 * and missing on plain-http pages); collisions only blur a report, they decide nothing.
 */
export function sourceChecksum(migration: DocumentMigration): string {
  const text = `${String(migration.up)}\n${migration.down ? String(migration.down) : ''}`;
  // cyrb53 (public domain): 53 well-mixed bits, enough to tell edits apart.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `cyrb53:${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0')}`;
}
