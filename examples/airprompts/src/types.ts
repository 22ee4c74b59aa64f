/**
 * AirPrompts' localStorage state at each schema version. 1.0.0 is what AirPrompts 1.x wrote: one
 * localStorage key per collection (`airprompts-templates`, `ui-prefs`, ...) with snake_case
 * fields; legacy.ts gathers those keys into one AppStateV1. From 2.0.0 on the whole state is one
 * Strata document under one key.
 */

// ---- 1.0.0: the legacy keys, snake_case -------------------------------------------------------

export interface ItemV1 {
  id: string;
  name: string;
  description?: string;
  category: string;
  is_favorite?: boolean;
  /** Some late 1.x builds already wrote a folder reference. */
  folder_id?: string | null;
  folder_ids?: string[];
  tags?: string[];
  created_at: string;
  updated_at: string;
  last_used?: string | null;
  [extra: string]: unknown;
}

export interface TemplateV1 extends ItemV1 {
  content: string;
  variables?: string[];
}

export interface WorkflowV1 extends ItemV1 {
  /** Template ids, in order. */
  steps: string[];
}

export interface SnippetV1 extends ItemV1 {
  content: string;
}

export interface FolderV1 {
  id: string;
  name: string;
  parent_id?: string | null;
  created_at: string;
  updated_at: string;
  item_count?: number;
}

export interface UiPrefsV1 {
  view_mode?: 'grid' | 'list';
  sidebar_collapsed?: boolean;
  items_per_page?: number;
  sort_by?: string;
  sort_order?: 'asc' | 'desc';
}

export interface UserSettingsV1 {
  display_name?: string;
  auto_save?: boolean;
  confirm_delete?: boolean;
  show_tips?: boolean;
}

/** The 1.0.0 keys gathered into one value (legacy.ts): each field is one legacy key's value. */
export interface AppStateV1 {
  templates: TemplateV1[];
  workflows: WorkflowV1[];
  snippets: SnippetV1[];
  folders: FolderV1[];
  ui_prefs: UiPrefsV1;
  user_settings: UserSettingsV1;
}

// ---- 2.0.0: camelCase, folders and tags ------------------------------------------------------

export interface ItemV2 {
  id: string;
  name: string;
  description: string;
  category: string;
  favorite: boolean;
  folderId: string | null;
  folderIds: string[];
  tags: string[];
  createdAt: string;
  updatedAt: string;
  lastUsed: string | null;
  [extra: string]: unknown;
}

export interface TemplateV2 extends ItemV2 {
  content: string;
  variables: string[];
}

export interface WorkflowV2 extends ItemV2 {
  /** Restructured: one object per step instead of a bare template id. */
  steps: { templateId: string }[];
}

export interface SnippetV2 extends ItemV2 {
  content: string;
}

export interface FolderV2 {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface UiPreferencesV2 {
  viewMode: 'grid' | 'list';
  sidebarCollapsed: boolean;
  itemsPerPage: number;
  sortBy: string;
  sortOrder: 'asc' | 'desc';
  defaultFolderId: string | null;
  expandedFolders: string[];
}

export interface UserSettingsV2 {
  displayName: string;
  preferences: { autoSave: boolean; confirmDelete: boolean; showTips: boolean };
}

export interface AppStateV2 {
  templates: TemplateV2[];
  workflows: WorkflowV2[];
  snippets: SnippetV2[];
  folders: FolderV2[];
  uiPreferences: UiPreferencesV2;
  userSettings: UserSettingsV2;
}

// ---- 3.0.0: template context, performance settings, item metadata ---------------------------

export interface ItemMetadataV3 {
  createdAt: string;
  updatedAt: string;
  lastUsed: string | null;
  usageCount: number;
}

/** An item at 3.0.0: the timestamps moved into `metadata`. */
export type ItemV3<T extends ItemV2> = Omit<T, 'createdAt' | 'updatedAt' | 'lastUsed'> & { metadata: ItemMetadataV3 };

export type TemplateV3 = ItemV3<TemplateV2> & { context: { enabled: boolean; text: string } };
export type WorkflowV3 = ItemV3<WorkflowV2>;
export type SnippetV3 = ItemV3<SnippetV2>;

export interface FolderV3 extends FolderV2 {
  itemCount: number;
}

export interface UserSettingsV3 extends UserSettingsV2 {
  performance: { enableVirtualization: boolean; enableLazyLoading: boolean; cacheSize: number };
}

export interface AppStateV3 {
  templates: TemplateV3[];
  workflows: WorkflowV3[];
  snippets: SnippetV3[];
  folders: FolderV3[];
  uiPreferences: UiPreferencesV2;
  userSettings: UserSettingsV3;
}

/** The state the current app reads and writes. */
export type AppState = AppStateV3;
