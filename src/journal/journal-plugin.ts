/**
 * A Journal as a Migrator plugin: it records every event of the migrator's channel (backups and
 * backfills that report there included), adds `journal` (its table and the last run's metrics)
 * to `status()`, and is closed (flushed) by `migrator.close()` before the store's connection.
 */
import type { MigratorPlugin } from '../engine/plugin.js';
import type { Journal, RunMetrics } from './journal.js';

export interface JournalPluginOptions {
  /** The target named in entries (default: the journal's own). */
  target?: string;
  /** The table the journal writes, shown in the status report's `journal` field. */
  table?: string;
}

export function journalPlugin(journal: Journal, options: JournalPluginOptions = {}): MigratorPlugin {
  const target = options.target === undefined ? {} : { target: options.target };
  let closed = false;
  return {
    name: 'journal',
    onEvent(event, payload) {
      // A closed journal records nothing more, as when it is detached from a channel.
      if (!closed) journal.observe(event, payload, target);
    },
    async onStatus(report) {
      let lastRun: RunMetrics | null = null;
      if (report.exists) lastRun = await journal.lastRunMetrics().catch(() => null);
      return { journal: { ...(options.table === undefined ? {} : { table: options.table }), lastRun } };
    },
    async onClose() {
      closed = true;
      await journal.close();
    },
  };
}
