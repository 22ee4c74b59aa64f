/**
 * KnowledgeBrainMigration001 (seed: add_knowledge_brain.py): document sources, relationships
 * between entries, the FTS5 index over the entries, and usage tracking.
 *
 * Needs knowledge001: three of the four tables point at knowledge_entries.
 */
import type { SqlContext } from 'strata-migrate';
import { insertTriggerOnly, knowledgeFts } from './_knowledge_fts.js';

export const dependsOn = ['knowledge001'];

export async function up(ctx: SqlContext): Promise<void> {
  await ctx.exec(`
    CREATE TABLE document_sources (
      id INTEGER PRIMARY KEY,
      file_path TEXT NOT NULL UNIQUE,
      file_name TEXT NOT NULL,
      file_type TEXT NOT NULL,
      file_size INTEGER NOT NULL CHECK (file_size >= 0),
      file_hash TEXT NOT NULL,
      page_count INTEGER,
      chunk_count INTEGER NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
      ingestion_status TEXT NOT NULL DEFAULT 'pending'
        CHECK (ingestion_status IN ('pending', 'processing', 'completed', 'failed')),
      error_message TEXT,
      metadata_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata_json)),
      added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      processed_at TEXT
    );
    CREATE INDEX idx_document_sources_status ON document_sources (ingestion_status, added_at);
    CREATE INDEX idx_document_sources_hash ON document_sources (file_hash);

    CREATE TABLE knowledge_relationships (
      id INTEGER PRIMARY KEY,
      source_id INTEGER NOT NULL REFERENCES knowledge_entries (id) ON DELETE CASCADE,
      target_id INTEGER NOT NULL REFERENCES knowledge_entries (id) ON DELETE CASCADE,
      relationship_type TEXT NOT NULL
        CHECK (relationship_type IN ('related', 'supports', 'contradicts', 'extends', 'derived_from', 'same_topic')),
      strength REAL NOT NULL DEFAULT 0.5 CHECK (strength BETWEEN 0.0 AND 1.0),
      discovered_by TEXT,
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      CHECK (source_id <> target_id),
      UNIQUE (source_id, target_id, relationship_type)
    );
    CREATE INDEX idx_knowledge_relationships_target ON knowledge_relationships (target_id);

    CREATE TABLE knowledge_usage (
      id INTEGER PRIMARY KEY,
      knowledge_id INTEGER NOT NULL REFERENCES knowledge_entries (id) ON DELETE CASCADE,
      workflow_id TEXT,
      agent_id TEXT,
      task_type TEXT,
      retrieval_method TEXT NOT NULL DEFAULT 'fts' CHECK (retrieval_method IN ('fts', 'semantic', 'hybrid', 'direct')),
      relevance_score REAL,
      useful INTEGER CHECK (useful IN (0, 1)),
      used_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX idx_knowledge_usage_entry ON knowledge_usage (knowledge_id, used_at);
  `);
  // The FTS5 index through Strata's helper: the virtual table, the (original, insert-only)
  // trigger, and the entries that already exist indexed.
  await ctx.exec(knowledgeFts.createTable());
  await ctx.exec(insertTriggerOnly!);
  await ctx.exec(knowledgeFts.populate());
}

/** Run after up (in its transaction) and again by `strata validate`. */
export async function verify(ctx: SqlContext): Promise<void> {
  await ctx.query('SELECT id, file_path, file_hash, ingestion_status, chunk_count FROM document_sources WHERE 0');
  await ctx.query('SELECT id, source_id, target_id, relationship_type, strength FROM knowledge_relationships WHERE 0');
  await ctx.query('SELECT id, knowledge_id, workflow_id, retrieval_method, useful, used_at FROM knowledge_usage WHERE 0');
  await ctx.query('SELECT rowid, title, content, domain FROM knowledge_fts WHERE 0');
  const triggers = await ctx.query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name = 'knowledge_fts_ai'`);
  if (triggers.length !== 1) throw new Error('knowledge_fts_ai (the trigger that indexes new entries) is missing');
}

export async function down(ctx: SqlContext): Promise<void> {
  // drop(): the triggers (IF EXISTS, all three names) and then the FTS table; entries stay.
  for (const sql of knowledgeFts.drop()) await ctx.exec(sql);
  await ctx.exec(`
    DROP TABLE knowledge_usage;
    DROP TABLE knowledge_relationships;
    DROP TABLE document_sources;
  `);
}
