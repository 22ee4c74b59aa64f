/**
 * The seed's `PreferencesMappings`: where each preference of the new `preference` table comes
 * from in the legacy stores. electron-store (`conf`) keys are read from the config file, Redux
 * keys as dot paths into the persisted state (`settings.language`). A mapping with no value in
 * its source falls back to `defaultValue`, or is skipped (counted) when it has none.
 */
export interface PreferenceMapping {
  /** Where the value is in the legacy store (a dot path). */
  originalKey: string;
  /** The preference key in the new table. */
  targetKey: string;
  /** Used when the legacy store has no value; omitted: the preference is skipped. */
  defaultValue?: unknown;
  /** Reshapes a legacy value (e.g. an enum renamed). */
  transform?: (value: unknown) => unknown;
}

/** electron-store / conf config file keys. */
export const ELECTRON_STORE_MAPPINGS: readonly PreferenceMapping[] = [
  { originalKey: 'Language', targetKey: 'app.language', defaultValue: 'en-US' },
  { originalKey: 'ZoomFactor', targetKey: 'app.zoom_factor', defaultValue: 1 },
  { originalKey: 'LaunchToTray', targetKey: 'app.tray.launch_to_tray', defaultValue: false },
  { originalKey: 'TrayOnClose', targetKey: 'app.tray.on_close' },
  { originalKey: 'EnableDataCollection', targetKey: 'app.privacy.data_collection_enabled', defaultValue: false },
  { originalKey: 'Shortcuts', targetKey: 'shortcut.bindings' },
  { originalKey: 'ClickTrayToShowQuickAssistant', targetKey: 'feature.quick_assistant.click_tray_to_show' },
];

/** Redux Persist: slice -> mappings inside that slice. */
export const REDUX_STORE_MAPPINGS: Readonly<Record<string, readonly PreferenceMapping[]>> = {
  settings: [
    { originalKey: 'theme', targetKey: 'ui.theme_mode', defaultValue: 'system', transform: (v) => (v === 'auto' ? 'system' : v) },
    { originalKey: 'fontSize', targetKey: 'chat.message.font_size', defaultValue: 14 },
    { originalKey: 'sendMessageShortcut', targetKey: 'chat.input.send_message_shortcut', defaultValue: 'Enter' },
    { originalKey: 'showAssistants', targetKey: 'assistant.tab.show', defaultValue: true },
    { originalKey: 'messageStyle', targetKey: 'chat.message.style' },
    { originalKey: 'codeStyle.theme', targetKey: 'chat.code.theme' },
    { originalKey: 'proxyUrl', targetKey: 'app.proxy.url' },
  ],
};

export const PreferencesMappings = { electronStore: ELECTRON_STORE_MAPPINGS, redux: REDUX_STORE_MAPPINGS };
