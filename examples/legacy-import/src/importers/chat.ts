/**
 * Topics and their messages. A topic keeps its assistant when the assistants importer imported
 * it (sharedData), else the reference is dropped (the topic stays); messages of a topic that
 * does not exist are skipped, and counted as such.
 */
import { tableImporter } from 'strata-migrate/import';
import { SHARED, idSet, type LegacyMessage, type LegacySources, type LegacyTopic } from '../types.js';

export const chatImporter = tableImporter<LegacySources>({
  id: 'chat',
  name: 'Chats',
  description: 'dexie:topics + messages -> topic, message',
  order: 40,
  sourceLabel: 'dexie:topics, messages',
  batchSize: 500,
  before: (ctx) => void ctx.sharedData.set(SHARED.topicIds, new Set<string>()),
  copies: [
    {
      source: (s) => s.dexie.table<LegacyTopic>('topics'),
      table: 'topic',
      map: (t: LegacyTopic, ctx) => {
        idSet(ctx.sharedData, SHARED.topicIds).add(t.id);
        const assistants = idSet(ctx.sharedData, SHARED.assistantIds);
        return {
          id: t.id,
          assistant_id: t.assistantId && assistants.has(t.assistantId) ? t.assistantId : null,
          name: t.name,
          pinned: t.pinned ?? false,
          created_at: t.createdAt,
          updated_at: t.updatedAt ?? null,
        };
      },
    },
    {
      source: (s) => s.dexie.table<LegacyMessage>('messages'),
      table: 'message',
      map: (m: LegacyMessage, ctx) => {
        if (!idSet(ctx.sharedData, SHARED.topicIds).has(m.topicId)) return null;
        const assistants = idSet(ctx.sharedData, SHARED.assistantIds);
        return {
          id: m.id,
          topic_id: m.topicId,
          assistant_id: m.assistantId && assistants.has(m.assistantId) ? m.assistantId : null,
          role: m.role,
          content: m.content,
          usage: m.usage ?? null,
          created_at: m.createdAt,
        };
      },
    },
  ],
  // Every message of a topic that was imported is there, in order.
  check: (ctx) => {
    const orphans = ctx.db.prepare('SELECT count(*) FROM message WHERE topic_id NOT IN (SELECT id FROM topic)').pluck().get() as number;
    return orphans ? [`${orphans} messages reference no topic`] : [];
  },
});
