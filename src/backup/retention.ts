/**
 * Which backups to remove: older than `keepDays`, or beyond the newest `keepCount`. Pure, with
 * the clock passed in. The newest verified backup is never removed, whatever the policy says:
 * the last good backup outlives any retention rule.
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

export function backupsToPrune(entries: readonly BackupEntry[], policy: RetentionPolicy, now: Date): BackupEntry[] {
  const keepDays = policy.keepDays ?? DEFAULT_RETENTION.keepDays;
  const keepCount = policy.keepCount ?? DEFAULT_RETENTION.keepCount;
  const newestFirst = [...entries].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  const lastGood = newestFirst.find((entry) => entry.verified);
  const cutoff = now.getTime() - keepDays * DAY_MS;
  return newestFirst.filter((entry, index) => entry !== lastGood && (index >= keepCount || Date.parse(entry.createdAt) < cutoff)).reverse();
}
