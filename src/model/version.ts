/**
 * Versions are kept as canonical strings (how the ledger stores them) and ordered here.
 * Integer versions ("0001", "20250115143045") compare numerically; leading zeros are not part
 * of the identity, so `0001_a.sql` and `1_b.sql` are the same version.
 */

const INTEGER = /^\d+$/;

export function isIntegerVersion(text: string): boolean {
  return INTEGER.test(text);
}

/** The canonical form of a version as written in a file name or on the command line. */
export function canonicalVersion(text: string): string {
  const trimmed = text.trim();
  if (INTEGER.test(trimmed)) return trimmed.replace(/^0+(?=\d)/, '');
  return trimmed;
}

function allDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Numeric order for integers (of any length: no precision loss past 2^53), text order otherwise. */
export function compareVersions(a: string, b: string): number {
  const aInt = allDigits(a);
  const bInt = allDigits(b);
  if (aInt && bInt) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (aInt !== bInt) return aInt ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
