/**
 * Targets read from a control database: the first column of each row of a query (a URL, a path,
 * or for schema-per-tenant a schema name), in the query's order.
 */
import { messageOf } from '../../model/errors.js';
import { redactUrl } from '../../targets/sql/server-url.js';
import { openDriver } from '../../targets/sql/open-driver.js';
import { targetsInvalid } from './target-source.js';

export async function firstColumn(control: string, sql: string): Promise<string[]> {
  const where = redactUrl(control);
  let driver;
  try {
    driver = openDriver(control);
    const { exists } = await driver.connect('read');
    if (!exists) throw new Error('it does not exist');
    const rows = await driver.query<Record<string, unknown>>(sql);
    return rows.map((row, index) => {
      const value = Object.values(row)[0];
      if (typeof value !== 'string' || value === '') {
        throw new Error(`row ${index + 1} has ${JSON.stringify(value ?? null)} in its first column, not a name, path or URL`);
      }
      return value;
    });
  } catch (error) {
    throw targetsInvalid(
      `the fleet's targets query on ${where} failed: ${messageOf(error)}`,
      'check the control database and the query: its first column must hold each target (a URL, a path, or a schema name)',
      { control: where, query: sql },
      error,
    );
  } finally {
    await driver?.close().catch(() => undefined);
  }
}
