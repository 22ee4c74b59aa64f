-- KnowledgeMigration002: embedding and source tracking columns on knowledge_entries.
-- source_doc_id names a document_sources row, a table of the Knowledge Brain: hence the
-- dependency. It is a plain column, not a REFERENCES one, because SQLite's DROP COLUMN refuses
-- a column named in a foreign key, and this step's down must be able to drop it.
-- strata:depends-on knowledge_brain001
-- migrate:up
ALTER TABLE knowledge_entries ADD COLUMN embedding BLOB;
ALTER TABLE knowledge_entries ADD COLUMN embedding_model TEXT;
ALTER TABLE knowledge_entries ADD COLUMN embedding_dim INTEGER CHECK (embedding_dim IS NULL OR embedding_dim > 0);
ALTER TABLE knowledge_entries ADD COLUMN source_type TEXT NOT NULL DEFAULT 'agent'
  CHECK (source_type IN ('agent', 'document', 'user', 'web'));
ALTER TABLE knowledge_entries ADD COLUMN source_doc_id INTEGER;
ALTER TABLE knowledge_entries ADD COLUMN chunk_index INTEGER CHECK (chunk_index IS NULL OR chunk_index >= 0);
CREATE INDEX idx_knowledge_entries_source ON knowledge_entries (source_doc_id, chunk_index);
CREATE INDEX idx_knowledge_entries_unembedded ON knowledge_entries (id) WHERE embedding IS NULL;

-- migrate:down
DROP INDEX idx_knowledge_entries_unembedded;
DROP INDEX idx_knowledge_entries_source;
ALTER TABLE knowledge_entries DROP COLUMN chunk_index;
ALTER TABLE knowledge_entries DROP COLUMN source_doc_id;
ALTER TABLE knowledge_entries DROP COLUMN source_type;
ALTER TABLE knowledge_entries DROP COLUMN embedding_dim;
ALTER TABLE knowledge_entries DROP COLUMN embedding_model;
ALTER TABLE knowledge_entries DROP COLUMN embedding;

-- migrate:verify
SELECT embedding, embedding_model, embedding_dim, source_type, source_doc_id, chunk_index FROM knowledge_entries WHERE 0;
SELECT 1 FROM knowledge_entries INDEXED BY idx_knowledge_entries_source WHERE 0;
