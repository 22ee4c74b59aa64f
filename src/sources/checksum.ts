/**
 * Checksums are `algorithm:hex`. The tag lets a later Strata change the algorithm: an old
 * ledger's checksum is recomputed with the algorithm it names, never reported as "changed"
 * just because the default moved on.
 */
import type { Migration } from '../model/migration.js';
import { sha256Hex } from './sha256.js';

export const DEFAULT_CHECKSUM_ALGORITHM = 'sha256';

const ALGORITHMS: Record<string, (text: string) => string> = {
  sha256: sha256Hex,
};

/** Line endings normalised so a checkout with CRLF does not look like an edit. */
export function normaliseSource(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

export function checksumOf(normalisedText: string, algorithm = DEFAULT_CHECKSUM_ALGORITHM): string | undefined {
  const hash = ALGORITHMS[algorithm];
  return hash ? `${algorithm}:${hash(normalisedText)}` : undefined;
}

export function algorithmOf(checksum: string): string {
  const colon = checksum.indexOf(':');
  return colon === -1 ? '' : checksum.slice(0, colon);
}

/** The engine's ChecksumMatcher: same tag compares directly, another tag is recomputed. */
export function checksumMatches<Ctx>(migration: Migration<Ctx>, recorded: string): boolean {
  if (migration.checksum === recorded) return true;
  const algorithm = algorithmOf(recorded);
  if (algorithm === algorithmOf(migration.checksum)) return false;
  return migration.checksumWith?.(algorithm) === recorded;
}
