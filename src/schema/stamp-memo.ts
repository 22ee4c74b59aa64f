/**
 * What was worked out from a schema (its fingerprint, a plan's lint findings), kept by a key that
 * names the schema exactly: for a caller that migrates many databases of one schema one after
 * another (a fleet's worker, a test suite), so that the second of a schema reuses what the first
 * worked out.
 *
 * Only a key that IS the schema may be used: SQLite's stamp (a hash of every CREATE text, see
 * sqlite-stamp.ts: equal texts are an equal schema), or the schema read itself (the lint plugin's
 * key holds the schema before the run, or that stamp where the dialect has one). A stamp that only moves when the schema may have moved
 * (PostgreSQL's) says nothing about two databases being alike, and is never used here
 * (Dialect.stampIdentifiesSchema).
 *
 * Bounded: the oldest entry goes when it is full, so a fleet of databases that all differ costs
 * the reads it always did and no memory per database.
 */
export interface StampMemo {
  /** The value kept under `key`, else `compute()`'s (kept when it resolves; a failure is not kept). */
  get<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

const DEFAULT_CAPACITY = 64;

export function createStampMemo(capacity = DEFAULT_CAPACITY): StampMemo {
  const kept = new Map<string, Promise<unknown>>();
  return {
    get<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const found = kept.get(key);
      if (found) return found as Promise<T>;
      const value = compute();
      kept.set(key, value);
      if (kept.size > capacity) kept.delete(kept.keys().next().value as string);
      value.catch(() => kept.delete(key));
      return value;
    },
  };
}
