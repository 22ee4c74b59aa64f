/** Strata's import readers: Dexie exports, redux-persist state, conf/electron-store files, large JSON arrays. */
export type { TableReader, DexieExportReader, KeyValueSource, ReduxPersistSource } from './reader-types.js';
export {
  openDexieExport,
  type DexieExportFile,
  type DexieExportOptions,
  type DexieTableInfo,
  type DexieTableReader,
  type DexieOutboundRow,
} from './dexie-export.js';
export { readReduxPersist, readReduxPersistFile, readReduxPersistFromStorage, type PersistStorage } from './redux-persist.js';
export { readConfigFile, CONF_INTERNAL_KEY, type ConfigSource } from './json-config.js';
export { jsonArrayReader, type JsonArrayOptions } from './json-array.js';
export { REVIVABLE_TYPES, type ReviveOptions } from './typeson-revive.js';
