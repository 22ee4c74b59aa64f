-- TaskMigration004: task categorization. A small category table, a category on each execution,
-- and the executions already recorded categorized from their type.
-- migrate:up
CREATE TABLE task_categories (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  parent TEXT REFERENCES task_categories (name) ON DELETE SET NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;
INSERT INTO task_categories (name, description, parent) VALUES
  ('general', 'Anything not categorized yet', NULL),
  ('research', 'Finding and gathering information', NULL),
  ('analysis', 'Examining and evaluating information', NULL),
  ('synthesis', 'Combining findings into a result', NULL),
  ('coding', 'Writing, reviewing or running code', NULL),
  ('planning', 'Breaking work down and ordering it', NULL),
  ('web_research', 'Research through web search', 'research');
ALTER TABLE task_executions ADD COLUMN category TEXT NOT NULL DEFAULT 'general';
ALTER TABLE task_executions ADD COLUMN subcategory TEXT;
ALTER TABLE task_executions ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags_json));
UPDATE task_executions SET category = CASE
  WHEN task_type IN ('research', 'analysis', 'synthesis', 'coding', 'planning') THEN task_type
  WHEN task_type LIKE '%web%' THEN 'web_research'
  WHEN task_type LIKE '%code%' OR task_type LIKE '%program%' THEN 'coding'
  ELSE 'general'
END;
CREATE INDEX idx_task_executions_category ON task_executions (category, subcategory);

-- migrate:down
DROP INDEX idx_task_executions_category;
ALTER TABLE task_executions DROP COLUMN tags_json;
ALTER TABLE task_executions DROP COLUMN subcategory;
ALTER TABLE task_executions DROP COLUMN category;
DROP TABLE task_categories;

-- migrate:verify
SELECT name, description, parent FROM task_categories WHERE 0;
SELECT category, subcategory, tags_json FROM task_executions WHERE 0;
