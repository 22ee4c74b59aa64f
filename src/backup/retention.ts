/**
 * Which backups to remove: older than `keepDays`, or beyond the newest `keepCount`. Pure, with
 * the clock passed in. `lastGood` (the newest backup the manager found to pass its full check)
 * is never removed, whatever the policy says: the last good backup outlives any retention rule.
 * Without one, nothing is removed: retention never deletes what it could not judge.
 */
import type { BackupEntry } from './backup-manifest.js';

export interface RetentionPolicy {
  /** Remove backups older than this many days (default 30). */
  keepDays?: number;
  /** Keep at most this many backups per source (default 10). */
  keepCount?: number;
}

export const DEFAULT_RETENTION = { keepDays: 30, keepCount: 10 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

export function backupsToPrune(entries: readonly BackupEntry[], policy: RetentionPolicy, now: Date, lastGood: BackupEntry | null): BackupEntry[] {
  if (!lastGood) return [];
  return expired(entries, policy, now).filter((entry) => entry.id !== lastGood.id);
}

/** What the policy alone would remove (no backup protected): nothing here means nothing to judge. */
export function expired(entries: readonly BackupEntry[], policy: RetentionPolicy, now: Date): BackupEntry[] {
  const keepDays = policy.keepDays ?? DEFAULT_RETENTION.keepDays;
  const keepCount = policy.keepCount ?? DEFAULT_RETENTION.keepCount;
  const newestFirst = [...entries].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  const cutoff = now.getTime() - keepDays * DAY_MS;
  return newestFirst.filter((entry, index) => index >= keepCount || Date.parse(entry.createdAt) < cutoff).reverse();
}
