/**
 * Felix's knowledge store on felix_knowledge.db, after Strata has migrated it: entries in,
 * edited and removed through knowledge_entries, and found through the knowledge_fts index that
 * the triggers of fts001 keep in step with them. The app never writes to knowledge_fts itself.
 */
import Database from 'better-sqlite3';

export const KNOWLEDGE_TYPES = [
  'task_result',
  'agent_insight',
  'pattern_recognition',
  'failure_analysis',
  'optimization_data',
  'domain_expertise',
  'tool_instruction',
  'file_location',
] as const;
export type KnowledgeType = (typeof KNOWLEDGE_TYPES)[number];
export type ConfidenceLevel = 'low' | 'medium' | 'high' | 'verified';
export type SourceType = 'agent' | 'document' | 'user' | 'web';
export type RelationshipType = 'related' | 'supports' | 'contradicts' | 'extends' | 'derived_from' | 'same_topic';

export interface NewKnowledgeEntry {
  knowledgeId: string;
  type: KnowledgeType;
  title: string;
  content: string;
  domain?: string;
  tags?: string[];
  confidence?: ConfidenceLevel;
  sourceAgent?: string;
  /** knowledge002: where the entry came from, and for documents which chunk of which source. */
  sourceType?: SourceType;
  sourceDocId?: number;
  chunkIndex?: number;
}

export type KnowledgeEntryPatch = Partial<Pick<NewKnowledgeEntry, 'title' | 'content' | 'domain' | 'tags' | 'confidence'>>;

export interface KnowledgeEntry {
  id: number;
  knowledgeId: string;
  type: KnowledgeType;
  title: string;
  content: string;
  domain: string;
  tags: string[];
  confidence: ConfidenceLevel;
  accessCount: number;
}

export interface SearchOptions {
  limit?: number;
  /** Only entries of this domain. */
  domain?: string;
  /** Treat every word as a prefix (`optim` finds `optimization`). Default true. */
  prefix?: boolean;
}

export interface SearchHit {
  id: number;
  knowledgeId: string;
  title: string;
  domain: string;
  /** The matching part of the content, the matched terms in [brackets]. */
  snippet: string;
  /** bm25: lower is better (title matches weigh 10x, domain 2x, content 1x). */
  score: number;
}

export interface DocumentSource {
  filePath: string;
  fileType: string;
  fileSize: number;
  fileHash: string;
}

interface EntryRow {
  id: number;
  knowledge_id: string;
  knowledge_type: KnowledgeType;
  title: string;
  content: string;
  domain: string;
  tags_json: string;
  confidence_level: ConfidenceLevel;
  access_count: number;
}

/**
 * A user's words as an FTS5 query: each word a quoted string (so `C++`, `-v` or `AND` are
 * words, never syntax), all of them required, optionally as prefixes. null when there is no word.
 */
export function toFtsQuery(text: string, prefix = true): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return null;
  return words.map((word) => `"${word}"${prefix ? '*' : ''}`).join(' ');
}

export class KnowledgeStore {
  readonly db: Database.Database;
  private readonly owned: boolean;

  constructor(db: string | Database.Database) {
    this.owned = typeof db === 'string';
    this.db = typeof db === 'string' ? new Database(db, { fileMustExist: true }) : db;
    if (this.owned) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
    }
  }

  addEntry(entry: NewKnowledgeEntry): number {
    const result = this.db
      .prepare(
        `INSERT INTO knowledge_entries (knowledge_id, knowledge_type, title, content, domain, tags_json, confidence_level, source_agent, source_type, source_doc_id, chunk_index)
         VALUES (@knowledgeId, @type, @title, @content, @domain, @tags, @confidence, @sourceAgent, @sourceType, @sourceDocId, @chunkIndex)`,
      )
      .run({
        knowledgeId: entry.knowledgeId,
        type: entry.type,
        title: entry.title,
        content: entry.content,
        domain: entry.domain ?? 'general',
        tags: JSON.stringify(entry.tags ?? []),
        confidence: entry.confidence ?? 'medium',
        sourceAgent: entry.sourceAgent ?? null,
        sourceType: entry.sourceType ?? (entry.sourceDocId === undefined ? 'agent' : 'document'),
        sourceDocId: entry.sourceDocId ?? null,
        chunkIndex: entry.chunkIndex ?? null,
      });
    return Number(result.lastInsertRowid);
  }

  /** Changes the given fields; false when there is no such entry. */
  updateEntry(knowledgeId: string, patch: KnowledgeEntryPatch): boolean {
    const sets: string[] = [];
    const params: Record<string, unknown> = { knowledgeId };
    const columns = { title: 'title', content: 'content', domain: 'domain', confidence: 'confidence_level' } as const;
    for (const [key, column] of Object.entries(columns) as [keyof typeof columns, string][]) {
      if (patch[key] !== undefined) {
        sets.push(`${column} = @${key}`);
        params[key] = patch[key];
      }
    }
    if (patch.tags !== undefined) {
      sets.push('tags_json = @tags');
      params.tags = JSON.stringify(patch.tags);
    }
    if (sets.length === 0) return this.get(knowledgeId) !== undefined;
    sets.push("updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
    return this.db.prepare(`UPDATE knowledge_entries SET ${sets.join(', ')} WHERE knowledge_id = @knowledgeId`).run(params).changes === 1;
  }

  /** Removes the entry (its relationships, usage and validations go with it); false when absent. */
  deleteEntry(knowledgeId: string): boolean {
    return this.db.prepare('DELETE FROM knowledge_entries WHERE knowledge_id = ?').run(knowledgeId).changes === 1;
  }

  get(knowledgeId: string): KnowledgeEntry | undefined {
    const row = this.db.prepare('SELECT * FROM knowledge_entries WHERE knowledge_id = ?').get(knowledgeId) as EntryRow | undefined;
    return (
      row && {
        id: row.id,
        knowledgeId: row.knowledge_id,
        type: row.knowledge_type,
        title: row.title,
        content: row.content,
        domain: row.domain,
        tags: JSON.parse(row.tags_json) as string[],
        confidence: row.confidence_level,
        accessCount: row.access_count,
      }
    );
  }

  /** Full-text search, best match first. */
  search(text: string, options: SearchOptions = {}): SearchHit[] {
    const query = toFtsQuery(text, options.prefix ?? true);
    if (query === null) return [];
    const domain = options.domain === undefined ? '' : 'AND e.domain = @domain';
    return this.db
      .prepare(
        `SELECT e.id, e.knowledge_id AS knowledgeId, e.title, e.domain,
                snippet(knowledge_fts, 1, '[', ']', '…', 12) AS snippet,
                bm25(knowledge_fts, 10.0, 1.0, 2.0) AS score
         FROM knowledge_fts
         JOIN knowledge_entries AS e ON e.id = knowledge_fts.rowid
         WHERE knowledge_fts MATCH @query ${domain}
         ORDER BY score, e.id
         LIMIT @limit`,
      )
      .all({ query, limit: options.limit ?? 10, ...(options.domain === undefined ? {} : { domain: options.domain }) }) as SearchHit[];
  }

  /** Records that an agent used an entry (knowledge_usage) and counts the access. */
  recordUsage(
    entryId: number,
    usage: {
      workflowId?: string;
      agentId?: string;
      taskType?: string;
      method?: 'fts' | 'semantic' | 'hybrid' | 'direct';
      relevance?: number;
      useful?: boolean;
    } = {},
  ): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO knowledge_usage (knowledge_id, workflow_id, agent_id, task_type, retrieval_method, relevance_score, useful) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          entryId,
          usage.workflowId ?? null,
          usage.agentId ?? null,
          usage.taskType ?? null,
          usage.method ?? 'fts',
          usage.relevance ?? null,
          usage.useful === undefined ? null : Number(usage.useful),
        );
      this.db.prepare('UPDATE knowledge_entries SET access_count = access_count + 1 WHERE id = ?').run(entryId);
    })();
  }

  relate(sourceId: number, targetId: number, type: RelationshipType, strength = 0.5): void {
    this.db
      .prepare(
        'INSERT INTO knowledge_relationships (source_id, target_id, relationship_type, strength) VALUES (?, ?, ?, ?) ON CONFLICT (source_id, target_id, relationship_type) DO UPDATE SET strength = excluded.strength',
      )
      .run(sourceId, targetId, type, strength);
  }

  /** Entries related to `id`, either direction, strongest first. */
  related(id: number): { id: number; knowledgeId: string; type: RelationshipType; strength: number }[] {
    return this.db
      .prepare(
        `SELECT e.id, e.knowledge_id AS knowledgeId, r.relationship_type AS type, r.strength
         FROM knowledge_relationships AS r
         JOIN knowledge_entries AS e ON e.id = CASE WHEN r.source_id = @id THEN r.target_id ELSE r.source_id END
         WHERE r.source_id = @id OR r.target_id = @id
         ORDER BY r.strength DESC, e.id`,
      )
      .all({ id }) as { id: number; knowledgeId: string; type: RelationshipType; strength: number }[];
  }

  addDocumentSource(source: DocumentSource): number {
    const name = source.filePath.split(/[\\/]/).pop() ?? source.filePath;
    return Number(
      this.db
        .prepare('INSERT INTO document_sources (file_path, file_name, file_type, file_size, file_hash) VALUES (?, ?, ?, ?, ?)')
        .run(source.filePath, name, source.fileType, source.fileSize, source.fileHash).lastInsertRowid,
    );
  }

  /** FTS5's own check that the index matches knowledge_entries (throws when it does not). */
  checkIndex(): void {
    this.db.exec(`INSERT INTO knowledge_fts(knowledge_fts, rank) VALUES ('integrity-check', 1)`);
  }

  close(): void {
    if (this.owned) this.db.close();
  }
}
