-- Knowledge validation (seed: add_knowledge_validation.py): truth assessment of entries.
-- Depends on knowledge002: entries that came from a document (source_doc_id, a knowledge002
-- column) start out 'unverified' with the document as their evidence, and the view below
-- reads that column too. Rolling knowledge002 back therefore rolls this step back first.
-- strata:depends-on knowledge002
-- migrate:up
CREATE TABLE knowledge_validation (
  id INTEGER PRIMARY KEY,
  knowledge_id INTEGER NOT NULL REFERENCES knowledge_entries (id) ON DELETE CASCADE,
  validation_status TEXT NOT NULL DEFAULT 'unverified'
    CHECK (validation_status IN ('unverified', 'verified', 'disputed', 'refuted')),
  truth_score REAL CHECK (truth_score IS NULL OR truth_score BETWEEN 0.0 AND 1.0),
  validation_method TEXT NOT NULL
    CHECK (validation_method IN ('source_agreement', 'cross_reference', 'agent_consensus', 'user_confirmation', 'web_search')),
  evidence_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(evidence_json)),
  contradicting_id INTEGER REFERENCES knowledge_entries (id) ON DELETE SET NULL,
  validated_by TEXT,
  validated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (knowledge_id, validation_method)
);
CREATE INDEX idx_knowledge_validation_status ON knowledge_validation (validation_status, truth_score);

INSERT INTO knowledge_validation (knowledge_id, validation_status, validation_method, evidence_json, validated_by)
SELECT id, 'unverified', 'source_agreement', json_array(json_object('source_doc_id', source_doc_id, 'chunk_index', chunk_index)), 'migration'
FROM knowledge_entries
WHERE source_doc_id IS NOT NULL;

-- The trust picture per entry: the best assessment, and where the entry came from.
CREATE VIEW knowledge_trust AS
SELECT e.id, e.knowledge_id, e.source_type, e.source_doc_id,
       coalesce(max(v.truth_score), 0.0) AS truth_score,
       coalesce(sum(v.validation_status = 'refuted'), 0) AS refutations
FROM knowledge_entries AS e
LEFT JOIN knowledge_validation AS v ON v.knowledge_id = e.id
GROUP BY e.id;

-- migrate:down
DROP VIEW knowledge_trust;
DROP TABLE knowledge_validation;

-- migrate:verify
SELECT id, knowledge_id, validation_status, truth_score, validation_method, evidence_json, contradicting_id, validated_by, validated_at FROM knowledge_validation WHERE 0;
SELECT id, knowledge_id, source_type, source_doc_id, truth_score, refutations FROM knowledge_trust WHERE 0;
