/**
 * Document versions are what apps already use: integers (`1`, `2`, redux-persist's `-1`) or
 * semver strings (`1.0.0 -> 2.0.0`). Semver orders numerically per part, so 2.10.0 follows
 * 2.9.0 (string order would not), and a pre-release precedes its release.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';

export type DocumentVersion = number | string;
export type VersionKind = 'integer' | 'semver';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const INTEGER_TEXT = /^-?\d+$/;

export function versionKind(version: unknown): VersionKind | undefined {
  if (typeof version === 'number') return Number.isSafeInteger(version) ? 'integer' : undefined;
  if (typeof version !== 'string') return undefined;
  if (INTEGER_TEXT.test(version) && Number.isSafeInteger(Number(version))) return 'integer';
  return SEMVER.test(version) ? 'semver' : undefined;
}

/** The version as a value of its kind: integer text becomes a number, so 2 and '2' are one version. */
export function normaliseVersion(version: unknown, where: string): DocumentVersion {
  const kind = versionKind(version);
  if (!kind) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${where}: ${JSON.stringify(version)} is not a version`, {
      hint: 'use an integer (1, 2, 3) or a semver string ("1.0.0", "2.10.0")',
    });
  }
  return kind === 'integer' ? Number(version) : (version as string);
}

function semverParts(version: string): { core: number[]; pre: string[] } {
  const match = SEMVER.exec(version)!;
  return { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] ? match[4].split('.') : [] };
}

function comparePre(a: string[], b: string[]): number {
  if (!a.length || !b.length) return a.length ? -1 : b.length ? 1 : 0;
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const x = a[k];
    const y = b[k];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      if (Number(x) !== Number(y)) return Number(x) - Number(y);
    } else if (xn !== yn) return xn ? -1 : 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Both arguments must be normalised versions of the same kind. */
export function compareDocumentVersions(a: DocumentVersion, b: DocumentVersion): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = semverParts(String(a));
  const y = semverParts(String(b));
  for (let k = 0; k < 3; k++) if (x.core[k] !== y.core[k]) return x.core[k]! - y.core[k]!;
  return comparePre(x.pre, y.pre);
}
