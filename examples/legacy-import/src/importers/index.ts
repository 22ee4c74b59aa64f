/** The importers of seed 001's one-shot migration, in the order they run (lower `order` first). */
import type { Importer } from 'strata-migrate/import';
import type { LegacySources } from '../types.js';
import { assistantsImporter } from './assistants.js';
import { chatImporter } from './chat.js';
import { knowledgeImporter } from './knowledge.js';
import { preferencesImporter } from './preferences.js';

export { assistantsImporter, chatImporter, knowledgeImporter, preferencesImporter };

export const importers: Importer<LegacySources>[] = [preferencesImporter, assistantsImporter, knowledgeImporter, chatImporter];

export default importers;
