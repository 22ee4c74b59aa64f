/**
 * Versions are kept as canonical strings (how the ledger stores them) and ordered here.
 * - Integers ("0001", "20250115143045") compare numerically; leading zeros are not part of the
 *   identity, so `0001_a.sql` and `1_b.sql` are the same version.
 * - Dotted versions (`1.1`, `2.0.3`: Flyway's `V1.1__x.sql`, `V2_1__x.sql`) compare with the
 *   integers numerically part by part, a missing part counting as zero, as Flyway compares them;
 *   canonical form drops leading zeros of each part and trailing zero parts (`1.0` is `1`).
 * - Category versions (`task001`, `knowledge002`, seed 002): a lower-case name and a number,
 *   each category its own sequence. Canonical form pads the number to three digits
 *   (`task1` and `task0001` are `task001`).
 * The total order (numbers first, then categories by name, then number) is only the
 * tie-break: the plan is a topological order over dependencies (model/graph.ts).
 */

const INTEGER = /^\d+$/;
const DOTTED = /^\d+(?:\.\d+)+$/;
/** Two or more characters, then digits: `task001`, `my_feature_002` (not `v1`: see file-name.ts). */
const CATEGORY = /^([A-Za-z][A-Za-z0-9_]*?[A-Za-z])_?(\d+)$/;

export function isIntegerVersion(text: string): boolean {
  return INTEGER.test(text);
}

/** A version as written in a file name, a definition or on the command line: integer or category. */
export function isVersion(text: string): boolean {
  const trimmed = text.trim();
  return INTEGER.test(trimmed) || DOTTED.test(trimmed) || CATEGORY.test(trimmed);
}

/** The canonical form of a version as written in a file name or on the command line. */
export function canonicalVersion(text: string): string {
  const trimmed = text.trim();
  if (INTEGER.test(trimmed)) return trimmed.replace(/^0+(?=\d)/, '');
  if (DOTTED.test(trimmed)) return canonicalDotted(trimmed);
  const category = CATEGORY.exec(trimmed);
  if (category) return `${category[1]!.toLowerCase()}${category[2]!.replace(/^0+(?=\d)/, '').padStart(3, '0')}`;
  return trimmed;
}

/** `1.01.0` → `1.1`, `2.0` → `2` (Flyway: trailing zero parts are not part of the identity). */
function canonicalDotted(text: string): string {
  const parts = text.split('.').map((part) => part.replace(/^0+(?=\d)/, ''));
  while (parts.length > 1 && parts.at(-1) === '0') parts.pop();
  return parts.join('.');
}

/** `task003` → { category: 'task', number: '3' }; integers and dotted versions have the category ''. */
export function versionParts(version: string): { category: string; number: string } {
  if (allDigits(version) || DOTTED.test(version)) return { category: '', number: version };
  const category = CATEGORY.exec(version);
  if (category) return { category: category[1]!.toLowerCase(), number: category[2]!.replace(/^0+(?=\d)/, '') };
  return { category: version, number: '0' };
}

function allDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Part by part, a missing part counting as zero (Flyway's MigrationVersion.compareTo). */
function compareDotted(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  for (let k = 0; k < Math.max(pa.length, pb.length); k++) {
    const order = compareNumbers((pa[k] ?? '0').replace(/^0+(?=\d)/, ''), (pb[k] ?? '0').replace(/^0+(?=\d)/, ''));
    if (order !== 0) return order;
  }
  return 0;
}

/** Numbers of any length, without precision loss past 2^53. */
function compareNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numbers first (numerically, dotted ones part by part), then category versions by category name, then number. */
export function compareVersions(a: string, b: string): number {
  const aInt = allDigits(a);
  const bInt = allDigits(b);
  if (aInt && bInt) return compareNumbers(a, b);
  const aDotted = !aInt && DOTTED.test(a);
  const bDotted = !bInt && DOTTED.test(b);
  if ((aInt || aDotted) && (bInt || bDotted)) return compareDotted(a, b);
  if (aDotted || bDotted) return aDotted ? -1 : 1;
  if (aInt !== bInt) return aInt ? -1 : 1;
  const pa = versionParts(a);
  const pb = versionParts(b);
  if (pa.category !== pb.category) return pa.category < pb.category ? -1 : 1;
  return compareNumbers(pa.number, pb.number);
}
