/**
 * `strata-migrate/document/node`: everything in `strata-migrate/document`, plus the JSON-file store (Node, Electron main).
 *
 * @module strata-migrate/document/node
 */
export * from './document.js';
export { jsonFileStore } from './targets/document-file/json-file-store.js';
export type { JsonFileStoreOptions } from './targets/document-file/json-file-store.js';
export { writeFileAtomic, copyFileAtomic } from './fs/atomic-write.js';
export { acquireFileLock } from './targets/document-file/file-lock.js';
