/**
 * Every tool `strata adopt --from` knows, by name. A reader module per tool (tool-ledger.ts
 * says what one does); add new ones to the list.
 */
import type { ToolLedgerReader } from '../tool-ledger.js';
import { atlas } from './atlas.js';
import { d1 } from './d1.js';
import { dbmate } from './dbmate.js';
import { drizzle } from './drizzle.js';
import { flyway } from './flyway.js';
import { golangMigrate } from './golang-migrate.js';
import { goose } from './goose.js';
import { knexReader } from './knex.js';
import { mikroOrmReader } from './mikro-orm.js';
import { nodePgMigrateReader } from './node-pg-migrate.js';
import { prisma } from './prisma.js';
import { sequelizeReader } from './sequelize.js';
import { sqlx } from './sqlx.js';
import { typeormReader } from './typeorm.js';
import { umzugReader } from './umzug.js';

export const TOOL_READERS: readonly ToolLedgerReader[] = [
  dbmate,
  golangMigrate,
  goose,
  flyway,
  prisma,
  drizzle,
  sqlx,
  d1,
  atlas,
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
