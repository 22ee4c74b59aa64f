/**
 * The schema fingerprint: sha256 of the model's canonical JSON (keys sorted, lists in canonical
 * order: src/schema/canonical.ts), prefixed by the version of that
 * canonical form (`v1:`), so a fingerprint stored by one Strata and read by a later one whose
 * canonical form changed is seen as "not comparable", not as drift.
 */
import { sha256Hex } from '../sources/sha256.js';
import { canonicalModel } from './canonical.js';
import type { SchemaModel } from './schema-model.js';

/** Bumped whenever the model's shape or a normalisation rule changes what the same schema hashes to. */
export const FINGERPRINT_VERSION = 'v1';

export function fingerprintOf(model: SchemaModel): string {
  return `${FINGERPRINT_VERSION}:${sha256Hex(JSON.stringify(canonicalModel(model)))}`;
}

/** Whether a stored fingerprint was made by this canonical form (else it cannot be compared). */
export function isCurrentFingerprint(fingerprint: string): boolean {
  return fingerprint.startsWith(`${FINGERPRINT_VERSION}:`);
}
