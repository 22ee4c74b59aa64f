/**
 * The knowledge_fts index, shared by knowledge_brain001 (which created it) and fts001 (which
 * repaired its sync triggers). A helper, not a migration: files starting with `_` are skipped.
 *
 * An external-content FTS5 table: the text lives once, in knowledge_entries; the index stores
 * only the terms, keyed by knowledge_entries.id.
 */
import { fts5 } from 'strata-migrate';

export const knowledgeFts = fts5.externalContent({
  table: 'knowledge_fts',
  source: 'knowledge_entries',
  columns: ['title', 'content', 'domain'],
  rowid: 'id',
  tokenize: 'porter unicode61 remove_diacritics 2',
  prefix: [2, 3],
});

/**
 * The triggers as the Knowledge Brain first shipped them: AFTER INSERT only. Updated and deleted
 * entries kept their old terms in the index until fts001 (seed: fix_fts_triggers.py) added the
 * other two and rebuilt the index.
 */
export const [insertTriggerOnly] = knowledgeFts.createTriggers();
