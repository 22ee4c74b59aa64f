/** Assistants from the Dexie export; their ids go to sharedData for the chat importer. */
import { tableImporter } from 'strata-migrate/import';
import { SHARED, idSet, type LegacyAssistant, type LegacySources } from '../types.js';

export const assistantsImporter = tableImporter<LegacySources, LegacyAssistant>({
  id: 'assistants',
  name: 'Assistants',
  description: 'dexie:assistants -> assistant',
  order: 20,
  source: (s) => s.dexie.table<LegacyAssistant>('assistants'),
  sourceLabel: 'dexie:assistants',
  table: 'assistant',
  before: (ctx) => void ctx.sharedData.set(SHARED.assistantIds, new Set<string>()),
  map: (a, ctx) => {
    idSet(ctx.sharedData, SHARED.assistantIds).add(a.id);
    return {
      id: a.id,
      name: a.name,
      prompt: a.prompt ?? '',
      emoji: a.emoji ?? null,
      model_id: a.model?.id ?? null,
      settings: a.settings ?? null,
      created_at: a.createdAt,
      updated_at: a.updatedAt ?? null,
    };
  },
});
