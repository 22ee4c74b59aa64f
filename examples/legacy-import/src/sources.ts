/**
 * Opens the three legacy stores with Strata's readers, as the migration window's IPC handler
 * does with what the renderer hands over: the Dexie export's path, the Redux Persist root's text
 * and the electron-store config file.
 */
import { openDexieExport, readConfigFile, readReduxPersist } from 'strata-migrate/import';
import type { LegacySources } from './types.js';

export interface LegacyInputs {
  /** dexie-export-import file. */
  dexieExport: string;
  /** The `persist:<key>` value (a JSON string whose entries are JSON strings). */
  reduxPersist: string;
  /** electron-store's config.json. */
  configFile: string;
}

export async function openLegacySources(inputs: LegacyInputs): Promise<LegacySources> {
  return {
    dexie: await openDexieExport(inputs.dexieExport),
    redux: await readReduxPersist(inputs.reduxPersist),
    config: await readConfigFile(inputs.configFile),
  };
}
