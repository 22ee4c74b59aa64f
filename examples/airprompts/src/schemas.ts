/**
 * What the state must look like at 2.0.0 and 3.0.0, as zod schemas. zod 4 implements Standard
 * Schema, so Strata checks the data against them after every step that reaches the version (up
 * or down) and writes nothing when a check fails. The schemas only check: the migrated data is
 * what gets stored, so fields a schema does not list are kept.
 */
import { z } from 'zod';

const timestamp = z.string().min(1);
const id = z.string().min(1);

const itemV2 = {
  id,
  name: z.string().min(1),
  description: z.string(),
  category: z.string(),
  favorite: z.boolean(),
  folderId: id.nullable(),
  folderIds: z.array(id),
  tags: z.array(z.string()),
  createdAt: timestamp,
  updatedAt: timestamp,
  lastUsed: timestamp.nullable(),
};

const uiPreferences = z.object({
  viewMode: z.enum(['grid', 'list']),
  sidebarCollapsed: z.boolean(),
  itemsPerPage: z.number().int().positive(),
  sortBy: z.string(),
  sortOrder: z.enum(['asc', 'desc']),
  defaultFolderId: id.nullable(),
  expandedFolders: z.array(id),
});

const userSettingsV2 = z.object({
  displayName: z.string(),
  preferences: z.object({ autoSave: z.boolean(), confirmDelete: z.boolean(), showTips: z.boolean() }),
});

const folderV2 = z.object({ id, name: z.string().min(1), parentId: id.nullable(), createdAt: timestamp, updatedAt: timestamp });

export const appStateV2Schema = z.object({
  templates: z.array(z.object({ ...itemV2, content: z.string(), variables: z.array(z.string()) })),
  workflows: z.array(z.object({ ...itemV2, steps: z.array(z.object({ templateId: id })) })),
  snippets: z.array(z.object({ ...itemV2, content: z.string() })),
  folders: z.array(folderV2),
  uiPreferences,
  userSettings: userSettingsV2,
});

const { createdAt: _c, updatedAt: _u, lastUsed: _l, ...itemV3 } = itemV2;
const metadata = z.object({ createdAt: timestamp, updatedAt: timestamp, lastUsed: timestamp.nullable(), usageCount: z.number().int().nonnegative() });

export const appStateV3Schema = z.object({
  templates: z.array(
    z.object({ ...itemV3, metadata, content: z.string(), variables: z.array(z.string()), context: z.object({ enabled: z.boolean(), text: z.string() }) }),
  ),
  workflows: z.array(z.object({ ...itemV3, metadata, steps: z.array(z.object({ templateId: id })) })),
  snippets: z.array(z.object({ ...itemV3, metadata, content: z.string() })),
  folders: z.array(folderV2.extend({ itemCount: z.number().int().nonnegative() })),
  uiPreferences,
  userSettings: userSettingsV2.extend({
    performance: z.object({ enableVirtualization: z.boolean(), enableLazyLoading: z.boolean(), cacheSize: z.number().int().positive() }),
  }),
});
