/**
 * Where a fleet's databases come from. Each kind has its own module (glob-source.ts, ...); all
 * return plain `{ db, schema? }` entries in the order they found them, and discover-targets.ts
 * makes them targets (ids, groups, folders, the order of the rollout).
 */
import { ErrorCode, StrataError } from '../../model/errors.js';

/** How to find the databases of one group. Exactly one kind per source. */
export type TargetSource =
  /** SQLite files matching a glob (or several), relative to the fleet's base folder; sorted by path. */
  | { readonly glob: string | readonly string[] }
  /** Paths or URLs, in this order. */
  | { readonly list: readonly string[] }
  /** A query on a control database whose first column is each target's path or URL, in the query's order. */
  | { readonly query: string; readonly control: string }
  /** PostgreSQL schema-per-tenant: the schemas of one database, listed or returned by a query on it (first column). */
  | { readonly db: string; readonly schemas: readonly string[] | { readonly query: string } }
  /** A module (.js, .mjs, .ts) whose default (or `targets`) export is an async function returning paths, URLs or `{ db, schema? }`. */
  | { readonly module: string };

/** One database as a source found it. */
export interface FoundDatabase {
  readonly db: string;
  readonly schema?: string;
}

export function targetsInvalid(message: string, hint: string, details: Record<string, unknown> = {}, cause?: unknown): StrataError {
  return new StrataError(ErrorCode.FLEET_TARGETS_INVALID, message, { hint, details, ...(cause === undefined ? {} : { cause }) });
}

/** Which kind a source is, for messages. */
export function sourceKind(source: TargetSource): string {
  if ('glob' in source) return `glob ${[source.glob].flat().join(', ')}`;
  if ('list' in source) return `list of ${source.list.length}`;
  if ('query' in source) return 'targets query';
  if ('schemas' in source) return 'schemas';
  return `module ${source.module}`;
}
