/**
 * Writes demo legacy stores for `strata import import.config.json`: a Dexie export, a
 * localStorage dump holding the Redux Persist root, and an electron-store config, made by the
 * real libraries (see test/fixtures.ts).
 *
 * node --import tsx examples/legacy-import/scripts/make-demo-stores.ts [folder] [topics]
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDUX_KEY, SMALL, makeLegacyStores } from '../test/fixtures.js';

const dir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'legacy'));
const topics = Number(process.argv[3] ?? SMALL.topics);
mkdirSync(dir, { recursive: true });
const stores = await makeLegacyStores(dir, { ...SMALL, topics, messagesPerTopic: topics > SMALL.topics ? 50 : SMALL.messagesPerTopic });
writeFileSync(join(dir, 'local-storage.json'), JSON.stringify({ [REDUX_KEY]: stores.reduxPersist }));
if (stores.configFile !== join(dir, 'config.json')) renameSync(stores.configFile, join(dir, 'config.json'));
console.log(`legacy stores written to ${dir}: dexie-export.json, local-storage.json, config.json`);
