/**
 * The registry of SQL dialects: every `--db` string, driver and family name is looked up here.
 * Adding a dialect = its folder `targets/sql/<name>/` and one line in DIALECTS.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { Dialect, SqlFamily } from './dialect.js';
import { mysqlDialect } from './mysql/dialect.js';
import { pgliteDialect } from './pglite/dialect.js';
import { postgresDialect } from './postgres/dialect.js';
import { sqliteDialect } from './sqlite/dialect.js';

/** In the order `dialectFor` asks them. SQLite stays last: it claims any path, so a new dialect goes before it. */
export const DIALECTS: readonly Dialect[] = [postgresDialect, mysqlDialect, pgliteDialect, sqliteDialect];

export function dialectNamed(name: string): Dialect | undefined {
  return DIALECTS.find((dialect) => dialect.name === name);
}

/** A dialect, or the dialect a family name names (`'postgres'`: the one through `pg`): for pure SQL builders that callers may still call with a name. */
export function dialectOf(dialect: Dialect | SqlFamily): Dialect {
  if (typeof dialect !== 'string') return dialect;
  const found = dialectNamed(dialect);
  if (!found) throw unsupported(`no SQL dialect is named ${JSON.stringify(dialect)}`);
  return found;
}

/** The dialect that claims a `--db` string; DRIVER_UNSUPPORTED naming every form Strata takes when none does. */
export function dialectFor(db: string): Dialect {
  const found = DIALECTS.find((dialect) => dialect.claims(db));
  if (found) return found;
  const colon = db.indexOf(':');
  throw unsupported(colon > 0 ? `no driver for ${db.slice(0, colon)}: URLs` : `no driver for ${JSON.stringify(db)}`);
}

function unsupported(message: string): StrataError {
  const forms = DIALECTS.map(({ name, forms: { example, schemes } }) => `${name}: ${example}${schemes.length ? ` (${schemes.join(', ')})` : ''}`);
  return new StrataError(ErrorCode.DRIVER_UNSUPPORTED, message, { hint: `use one of these forms: ${forms.join('; ')}` });
}
