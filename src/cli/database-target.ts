/** How a run names its database: `sqlite:app.db (from strata.config.json)`. */
import { openDriver } from 'strata-migrate';
import type { ResolvedConfig } from './config.js';
import type { DatabaseTarget } from './output.js';

/**
 * The driver's own description (a path, or the URL without its password), so every dialect names
 * itself the same way in messages and here; making a driver connects nothing.
 */
export function databaseTarget(config: Pick<ResolvedConfig, 'db' | 'dbSource'>): DatabaseTarget {
  return { target: openDriver(config.db).description, source: config.dbSource };
}
