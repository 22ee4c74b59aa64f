-- KnowledgeMigration001: the knowledge store's entries (felix_knowledge.db).
-- `id` is an INTEGER PRIMARY KEY on purpose: it is the rowid the FTS5 index (knowledge_fts,
-- knowledge_brain001) points at, so VACUUM cannot renumber rows under the index.
-- migrate:up
CREATE TABLE knowledge_entries (
  id INTEGER PRIMARY KEY,
  knowledge_id TEXT NOT NULL UNIQUE,
  knowledge_type TEXT NOT NULL CHECK (knowledge_type IN (
    'task_result', 'agent_insight', 'pattern_recognition', 'failure_analysis',
    'optimization_data', 'domain_expertise', 'tool_instruction', 'file_location'
  )),
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  content_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(content_json)),
  domain TEXT NOT NULL DEFAULT 'general',
  tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json) AND json_type(tags_json) = 'array'),
  confidence_level TEXT NOT NULL DEFAULT 'medium' CHECK (confidence_level IN ('low', 'medium', 'high', 'verified')),
  source_agent TEXT,
  access_count INTEGER NOT NULL DEFAULT 0 CHECK (access_count >= 0),
  success_rate REAL NOT NULL DEFAULT 1.0 CHECK (success_rate BETWEEN 0.0 AND 1.0),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX idx_knowledge_entries_domain_type ON knowledge_entries (domain, knowledge_type);
CREATE INDEX idx_knowledge_entries_confidence ON knowledge_entries (confidence_level, success_rate DESC);

-- migrate:down
DROP TABLE knowledge_entries;

-- migrate:verify
SELECT id, knowledge_id, knowledge_type, title, content, content_json, domain, tags_json, confidence_level, source_agent, access_count, success_rate, created_at, updated_at FROM knowledge_entries WHERE 0;
