/**
 * The FTS trigger fix (seed: fix_fts_triggers.py). The Knowledge Brain shipped knowledge_fts with
 * an AFTER INSERT trigger only, so an edited or deleted entry kept its old terms in the index
 * (and a search could return a row that no longer says what matched, or no longer exists).
 * This step installs the three sync triggers of the FTS5 helper (insert, delete, update), rebuilds
 * the index from knowledge_entries so the damage already done is repaired, and optimizes it.
 *
 * Needs knowledge001 (the table the triggers are on) and knowledge_brain001 (the index).
 */
import type { SqlContext } from 'strata-migrate';
import { insertTriggerOnly, knowledgeFts } from './_knowledge_fts.js';

export const dependsOn = ['knowledge001', 'knowledge_brain001'];

export async function up(ctx: SqlContext): Promise<void> {
  for (const sql of knowledgeFts.dropTriggers()) await ctx.exec(sql);
  for (const sql of knowledgeFts.createTriggers()) await ctx.exec(sql);
  await ctx.exec(knowledgeFts.rebuild());
  await ctx.exec(knowledgeFts.optimize());
}

/**
 * Run after up (in its transaction: a failure rolls the step back) and again by `strata validate`:
 * the three triggers are there, and the index matches knowledge_entries row for row.
 */
export async function verify(ctx: SqlContext): Promise<void> {
  const names = (
    await ctx.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'knowledge_entries' ORDER BY name`)
  ).map((r) => r.name);
  const missing = ['knowledge_fts_ad', 'knowledge_fts_ai', 'knowledge_fts_au'].filter((name) => !names.includes(name));
  if (missing.length) throw new Error(`knowledge_fts sync trigger(s) missing: ${missing.join(', ')}`);
  await ctx.exec(knowledgeFts.integrityCheck());
}

export async function down(ctx: SqlContext): Promise<void> {
  // Back to the Knowledge Brain's own state: the insert trigger only.
  for (const sql of knowledgeFts.dropTriggers()) await ctx.exec(sql);
  await ctx.exec(insertTriggerOnly!);
}
