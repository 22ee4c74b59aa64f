/** Targets from the user's code: a module exporting an async function that returns them. */
import { importFile, defaultExport } from '../../sources/module-loader.js';
import { messageOf } from '../../model/errors.js';
import { located } from './list-source.js';
import { targetsInvalid, type FoundDatabase } from './target-source.js';

export async function moduleDatabases(file: string, base: string): Promise<FoundDatabase[]> {
  const path = located(file, base);
  const hint = "export default async function targets() { return ['./tenants/a.db', { db: 'postgres://...', schema: 'acme' }] }";
  let loaded: Record<string, unknown>;
  try {
    loaded = await importFile(path);
  } catch (error) {
    throw targetsInvalid(`cannot load the fleet's targets module ${path}: ${messageOf(error)}`, hint, { file: path }, error);
  }
  const fn = typeof loaded.targets === 'function' ? loaded.targets : defaultExport(loaded);
  if (typeof fn !== 'function') throw targetsInvalid(`${path} exports no function returning targets (default or "targets")`, hint, { file: path });
  let value: unknown;
  try {
    value = await (fn as () => unknown)();
  } catch (error) {
    throw targetsInvalid(`${path}'s targets function threw: ${messageOf(error)}`, 'fix the function; no target was started', { file: path }, error);
  }
  if (!Array.isArray(value)) throw targetsInvalid(`${path}'s targets function returned ${typeof value}, not an array`, hint, { file: path });
  return value.map((entry, index) => {
    if (typeof entry === 'string' && entry !== '') return { db: located(entry, base) };
    const candidate = entry as { db?: unknown; schema?: unknown } | null;
    if (candidate && typeof candidate.db === 'string' && candidate.db !== '' && (candidate.schema === undefined || typeof candidate.schema === 'string')) {
      return { db: located(candidate.db, base), ...(candidate.schema ? { schema: candidate.schema } : {}) };
    }
    throw targetsInvalid(`${path}: target ${index + 1} is ${JSON.stringify(entry)}, not a path, URL or { db, schema? }`, hint, { file: path, index });
  });
}
