/** Knowledge bases, then their items (notes, files with their bytes, urls). Items of a base that does not exist are skipped. */
import { tableImporter } from 'strata-migrate/import';
import { SHARED, idSet, type LegacyKnowledgeBase, type LegacyKnowledgeItem, type LegacySources } from '../types.js';

export const knowledgeImporter = tableImporter<LegacySources>({
  id: 'knowledge',
  name: 'Knowledge',
  description: 'dexie:knowledge_bases + knowledge_items -> knowledge_base, knowledge_item',
  order: 30,
  sourceLabel: 'dexie:knowledge_bases, knowledge_items',
  before: (ctx) => void ctx.sharedData.set(SHARED.knowledgeBaseIds, new Set<string>()),
  copies: [
    {
      source: (s) => s.dexie.table<LegacyKnowledgeBase>('knowledge_bases'),
      table: 'knowledge_base',
      map: (b: LegacyKnowledgeBase, ctx) => {
        idSet(ctx.sharedData, SHARED.knowledgeBaseIds).add(b.id);
        return {
          id: b.id,
          name: b.name,
          model_id: b.model?.id ?? null,
          dimensions: b.dimensions ?? null,
          created_at: b.created_at,
          updated_at: b.updated_at ?? null,
        };
      },
    },
    {
      source: (s) => s.dexie.table<LegacyKnowledgeItem>('knowledge_items'),
      table: 'knowledge_item',
      map: (item: LegacyKnowledgeItem, ctx) => {
        if (!idSet(ctx.sharedData, SHARED.knowledgeBaseIds).has(item.baseId)) {
          ctx.logger.warn(`knowledge item ${item.id} belongs to the missing base ${item.baseId}: skipped`);
          return null;
        }
        return {
          id: item.id,
          base_id: item.baseId,
          type: item.type,
          content: item.content ?? '',
          file_name: item.file?.name ?? null,
          file_data: item.file?.data ?? null,
          created_at: item.created_at,
        };
      },
    },
  ],
});
