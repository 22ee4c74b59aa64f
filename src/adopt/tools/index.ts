/**
 * Every tool `strata adopt --from` knows, by name. A reader module per tool (tool-ledger.ts
 * says what one does); add new ones to the list.
 */
import type { ToolLedgerReader } from '../tool-ledger.js';
import { dbmate } from './dbmate.js';
import { golangMigrate } from './golang-migrate.js';
import { knexReader } from './knex.js';
import { mikroOrmReader } from './mikro-orm.js';
import { nodePgMigrateReader } from './node-pg-migrate.js';
import { sequelizeReader } from './sequelize.js';
import { typeormReader } from './typeorm.js';
import { umzugReader } from './umzug.js';

export const TOOL_READERS: readonly ToolLedgerReader[] = [
  dbmate,
  golangMigrate,
  // JavaScript tools: history only (their migrations are code against their own API).
  knexReader,
  umzugReader,
  nodePgMigrateReader,
  sequelizeReader,
  typeormReader,
  mikroOrmReader,
];

/** The reader for a `--from` name (case-insensitive; `golang_migrate`, `mikroorm` spelled loosely too). */
export function findToolReader(name: string): ToolLedgerReader | undefined {
  const wanted = loose(name);
  return TOOL_READERS.find((reader) => loose(reader.tool) === wanted);
}

function loose(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}
