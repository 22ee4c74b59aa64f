/**
 * AirPrompts' schema versions as Strata document migrations: each migration brings the state to
 * its version (`up`) and back to the one below (`down`). Pure functions from one state to the
 * next; Strata runs them on a copy, in version order, and validates after each step.
 *
 * 1.0.0 -> 2.0.0  folder support, tags, snake_case -> camelCase (fields, the legacy key names
 *                 ui_prefs / user_settings, and the sort field's value), workflow steps become
 *                 objects.
 * 2.0.0 -> 3.0.0  context for templates, performance settings, item metadata (timestamps move
 *                 into `metadata` with a usage count; folders get an item count).
 */
import { MigrationManager, type DocumentMigration } from 'strata-migrate/document';
import { appStateV2Schema, appStateV3Schema } from './schemas.js';
import type {
  AppStateV1,
  AppStateV2,
  AppStateV3,
  FolderV1,
  FolderV2,
  FolderV3,
  ItemV1,
  ItemV2,
  ItemV3,
  TemplateV2,
  TemplateV3,
  UiPreferencesV2,
  UiPrefsV1,
  UserSettingsV1,
  UserSettingsV2,
  UserSettingsV3,
  WorkflowV1,
  WorkflowV2,
} from './types.js';

/** The version of the legacy keys (AirPrompts 1.x), below the first migration. */
export const LEGACY_VERSION = '1.0.0';
/** The version this build of the app reads and writes. */
export const CURRENT_VERSION = '3.0.0';

// ---- 1.0.0 <-> 2.0.0 --------------------------------------------------------------------------

/** `updated_at` -> `updatedAt` (the sort field is stored by name, so its value is renamed too). */
export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function itemUp<T extends ItemV1>(item: T): ItemV2 {
  const { description, is_favorite, folder_id, folder_ids, tags, created_at, updated_at, last_used, ...rest } = item;
  return {
    ...rest,
    id: item.id,
    name: item.name,
    category: item.category,
    description: description ?? '',
    favorite: is_favorite ?? false,
    folderId: folder_id ?? null,
    folderIds: folder_ids ?? (folder_id ? [folder_id] : []),
    tags: tags ?? [],
    createdAt: created_at,
    updatedAt: updated_at,
    lastUsed: last_used ?? null,
  };
}

function itemDown<T extends ItemV2>(item: T): ItemV1 {
  const { favorite, folderId, folderIds, tags, createdAt, updatedAt, lastUsed, ...rest } = item;
  return {
    ...rest,
    id: item.id,
    name: item.name,
    category: item.category,
    is_favorite: favorite,
    folder_id: folderId,
    folder_ids: folderIds,
    tags,
    created_at: createdAt,
    updated_at: updatedAt,
    last_used: lastUsed,
  };
}

function uiPreferencesUp(prefs: UiPrefsV1): UiPreferencesV2 {
  return {
    viewMode: prefs.view_mode ?? 'grid',
    sidebarCollapsed: prefs.sidebar_collapsed ?? false,
    itemsPerPage: prefs.items_per_page ?? 20,
    sortBy: snakeToCamel(prefs.sort_by ?? 'updated_at'),
    sortOrder: prefs.sort_order ?? 'desc',
    defaultFolderId: null,
    expandedFolders: [],
  };
}

function uiPreferencesDown(prefs: UiPreferencesV2): UiPrefsV1 {
  return {
    view_mode: prefs.viewMode,
    sidebar_collapsed: prefs.sidebarCollapsed,
    items_per_page: prefs.itemsPerPage,
    sort_by: camelToSnake(prefs.sortBy),
    sort_order: prefs.sortOrder,
  };
}

function userSettingsUp(settings: UserSettingsV1): UserSettingsV2 {
  return {
    displayName: settings.display_name ?? 'User',
    preferences: {
      autoSave: settings.auto_save ?? true,
      confirmDelete: settings.confirm_delete ?? true,
      showTips: settings.show_tips ?? true,
    },
  };
}

function userSettingsDown(settings: UserSettingsV2): UserSettingsV1 {
  return {
    display_name: settings.displayName,
    auto_save: settings.preferences.autoSave,
    confirm_delete: settings.preferences.confirmDelete,
    show_tips: settings.preferences.showTips,
  };
}

function folderUp(folder: FolderV1): FolderV2 {
  // item_count was a cached count that 1.x kept wrong; 3.0.0 recomputes it.
  return { id: folder.id, name: folder.name, parentId: folder.parent_id ?? null, createdAt: folder.created_at, updatedAt: folder.updated_at };
}

function folderDown(folder: FolderV2): FolderV1 {
  return { id: folder.id, name: folder.name, parent_id: folder.parentId, created_at: folder.createdAt, updated_at: folder.updatedAt };
}

export const toV2: DocumentMigration<any> = {
  version: '2.0.0',
  name: 'folders, tags, camelCase',
  description: 'AirPrompts 2.0: folder support and tags; snake_case fields become camelCase; workflow steps become { templateId } objects',
  up: (state: AppStateV1): AppStateV2 => ({
    templates: (state.templates ?? []).map((t) => ({ ...itemUp(t), content: t.content, variables: t.variables ?? [] }) as TemplateV2),
    workflows: (state.workflows ?? []).map(
      (w: WorkflowV1) =>
        ({
          ...itemUp(w),
          steps: (w.steps ?? []).map((step: unknown) => (typeof step === 'string' ? { templateId: step } : (step as { templateId: string }))),
        }) as WorkflowV2,
    ),
    snippets: (state.snippets ?? []).map((s) => ({ ...itemUp(s), content: s.content })),
    folders: (state.folders ?? []).map(folderUp),
    uiPreferences: uiPreferencesUp(state.ui_prefs ?? {}),
    userSettings: userSettingsUp(state.user_settings ?? {}),
  }),
  down: (state: AppStateV2): AppStateV1 => ({
    templates: state.templates.map((t) => ({ ...itemDown(t), content: t.content, variables: t.variables })),
    workflows: state.workflows.map((w) => ({ ...itemDown(w), steps: w.steps.map((step) => step.templateId) })),
    snippets: state.snippets.map((s) => ({ ...itemDown(s), content: s.content })),
    folders: state.folders.map(folderDown),
    ui_prefs: uiPreferencesDown(state.uiPreferences),
    user_settings: userSettingsDown(state.userSettings),
  }),
};

// ---- 2.0.0 <-> 3.0.0 --------------------------------------------------------------------------

export const DEFAULT_PERFORMANCE: UserSettingsV3['performance'] = { enableVirtualization: true, enableLazyLoading: true, cacheSize: 100 };

function metadataUp<T extends ItemV2>(item: T): ItemV3<T> {
  const { createdAt, updatedAt, lastUsed, ...rest } = item;
  return { ...rest, metadata: { createdAt, updatedAt, lastUsed, usageCount: 0 } } as unknown as ItemV3<T>;
}

function metadataDown<T extends ItemV2>(item: ItemV3<T>): T {
  const { metadata, ...rest } = item;
  return { ...rest, createdAt: metadata.createdAt, updatedAt: metadata.updatedAt, lastUsed: metadata.lastUsed } as unknown as T;
}

function isContext(value: unknown): value is TemplateV3['context'] {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { enabled?: unknown }).enabled === 'boolean' &&
    typeof (value as { text?: unknown }).text === 'string'
  );
}

function inFolder(item: ItemV2, folderId: string): boolean {
  return item.folderId === folderId || item.folderIds.includes(folderId);
}

export const toV3: DocumentMigration<any> = {
  version: '3.0.0',
  name: 'template context, performance settings, metadata',
  description:
    'AirPrompts 3.0: templates get a context; settings get performance options; item timestamps move into metadata with a usage count; folders get an item count',
  up: (state: AppStateV2): AppStateV3 => {
    const items: ItemV2[] = [...state.templates, ...state.workflows, ...state.snippets];
    return {
      ...state,
      templates: state.templates.map((t) => {
        const { context, ...rest } = metadataUp(t) as ItemV3<TemplateV2> & { context?: unknown };
        // A 2.x template may already carry a context: an object kept by a down from 3.0.0, or text.
        return { ...rest, context: isContext(context) ? context : { enabled: false, text: typeof context === 'string' ? context : '' } } as TemplateV3;
      }),
      workflows: state.workflows.map(metadataUp),
      snippets: state.snippets.map(metadataUp),
      folders: state.folders.map((f): FolderV3 => ({ ...f, itemCount: items.filter((item) => inFolder(item, f.id)).length })),
      uiPreferences: state.uiPreferences,
      userSettings: { ...state.userSettings, performance: { ...DEFAULT_PERFORMANCE } },
    };
  },
  down: (state: AppStateV3): AppStateV2 => ({
    ...state,
    templates: state.templates.map((t) => {
      const { context, ...rest } = metadataDown<TemplateV2>(t as unknown as ItemV3<TemplateV2>) as TemplateV2 & { context: TemplateV3['context'] };
      // 2.x has no context; one the user filled in is kept as an extra field, so going up again restores it.
      return (context.enabled || context.text ? { ...rest, context } : rest) as TemplateV2;
    }),
    workflows: state.workflows.map((w) => metadataDown<WorkflowV2>(w)),
    snippets: state.snippets.map((s) => metadataDown(s)),
    folders: state.folders.map(({ itemCount: _, ...f }) => f),
    uiPreferences: state.uiPreferences,
    userSettings: (({ performance: _, ...settings }: UserSettingsV3): UserSettingsV2 => settings)(state.userSettings),
  }),
};

/** The migrations, newest first on purpose: Strata orders them by version, not by registration. */
export const AIRPROMPTS_MIGRATIONS: readonly DocumentMigration<any>[] = [toV3, toV2];

export interface AirPromptsMigrationOptions {
  /** Check the state against the zod schema of each version reached (default true). */
  validate?: boolean;
}

/** A fresh MigrationManager with AirPrompts' migrations (a test or a later release may register more). */
export function airPromptsMigrations(options: AirPromptsMigrationOptions = {}): MigrationManager<any> {
  const manager = new MigrationManager<any>();
  const schemas: Record<string, DocumentMigration['schema']> = { '2.0.0': appStateV2Schema, '3.0.0': appStateV3Schema };
  for (const migration of AIRPROMPTS_MIGRATIONS) {
    const schema = options.validate === false ? undefined : schemas[String(migration.version)];
    manager.register(schema ? { ...migration, schema } : migration);
  }
  return manager;
}
