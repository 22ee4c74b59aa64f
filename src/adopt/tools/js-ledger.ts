/**
 * What the readers of JavaScript tools' ledgers share (knex, umzug, node-pg-migrate, Sequelize
 * CLI, TypeORM, MikroORM): reading a few columns of a table the tool named, turning the
 * migration name the tool stored into Strata's version, and its time column into ISO 8601 UTC.
 * None of these tools stores a checksum or a dirty flag, so a reader returns steps only.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import { canonicalVersion } from '../../model/version.js';
import type { SqlDriver } from '../../targets/sql/driver.js';
import type { AdoptedStep } from '../tool-ledger.js';
import { isoTime, toolTable } from './tool-sql.js';

/** One row as the tool stored it: its name and its time (any type the driver returns). */
export interface ToolRow {
  name: string;
  /** The tool's own version column when it has one (TypeORM's `timestamp`). */
  version?: unknown;
  appliedAt?: unknown;
}

/** Reads `columns` of `table` in `order`; null when the table is not there. */
export async function readTable<T>(db: SqlDriver, table: string, columns: readonly string[], order: readonly string[]): Promise<T[] | null> {
  const found = await toolTable(db, table);
  if (!found) return null;
  const quote = (column: string) => db.dialect.quoteIdentifier(column);
  const list = columns.map(quote).join(', ');
  const orderBy = order.length ? ` ORDER BY ${order.map(quote).join(', ')}` : '';
  return db.query<T>(`SELECT ${list} FROM ${found.quoted}${orderBy}`);
}

// umzug's own `create` names files `2024.01.15T12.30.45.name.js` (prefix TIMESTAMP) or
// `2024.01.15.name.js` (prefix DATE): that prefix is one version.
const UMZUG_TIMESTAMP = /^(\d{4})\.(\d{2})\.(\d{2})(?:T(\d{2})\.(\d{2})\.(\d{2}))?(?=\.)/;
// The number must end at a separator: `2fa-setup.js` carries none.
const LEADING_DIGITS = /^(\d+)(?=$|[^A-Za-z0-9])/;

/**
 * The version a tool's migration name carries: the number it starts with (knex
 * `20240101120000_x.js`, node-pg-migrate `1700000000000_x`, Sequelize `20240101120000-x.js`),
 * an umzug timestamp as one number, or, with `anywhere`, the first number in it (MikroORM's
 * `Migration20240101120000`). undefined when the name carries none.
 */
export function versionInName(name: string, options: { anywhere?: boolean } = {}): string | undefined {
  const umzug = UMZUG_TIMESTAMP.exec(name);
  if (umzug) return umzug.slice(1).filter(Boolean).join('');
  const match = options.anywhere ? /(\d+)/.exec(name) : LEADING_DIGITS.exec(name);
  return match ? canonicalVersion(match[1]!) : undefined;
}

/**
 * Steps from rows in the tool's order. Versions come from `versionOf`; when no name carries a
 * number (umzug lets names be anything), the tool's own order numbers them 1, 2, 3. A ledger
 * where only some names carry one, or two names share one, cannot be adopted as it is: the
 * error names the rows.
 */
export function stepsFromRows(rows: readonly ToolRow[], source: string, versionOf: (row: ToolRow) => string | undefined): AdoptedStep[] {
  const versions = rows.map(versionOf);
  const numbered = versions.some((version) => version === undefined)
    ? versions.every((version) => version === undefined)
      ? rows.map((_, index) => String(index + 1))
      : undefined
    : (versions as string[]);
  if (!numbered) {
    const names = rows.filter((_, index) => versions[index] === undefined).map((row) => row.name);
    throw new StrataError(ErrorCode.ADOPT_LEDGER_INVALID, `${source}: ${names.join(', ')} carry no version number while other rows do`, {
      hint: "Strata orders steps by the number a migration name starts with: rename these rows in the tool's ledger (and their files) to start with one, then adopt again",
      details: { source, names },
    });
  }
  const seen = new Map<string, string>();
  for (const [index, row] of rows.entries()) {
    const version = numbered[index]!;
    const earlier = seen.get(version);
    if (earlier !== undefined && earlier !== row.name) {
      throw new StrataError(ErrorCode.ADOPT_LEDGER_INVALID, `${source}: ${earlier} and ${row.name} both carry version ${version}`, {
        hint: "Strata needs one version per step: rename one of them in the tool's ledger (and its file) to a number of its own, then adopt again",
        details: { source, version, names: [earlier, row.name] },
      });
    }
    seen.set(version, row.name);
  }
  const steps: AdoptedStep[] = [];
  const listed = new Set<string>();
  for (const [index, row] of rows.entries()) {
    // A tool that ran a step twice (a down, then an up again, left a second row) lists it once here.
    if (listed.has(row.name)) continue;
    listed.add(row.name);
    steps.push({ version: numbered[index]!, name: row.name, appliedAt: isoTime(row.appliedAt) });
  }
  return steps;
}
