/**
 * A fleet's targets: every group's source asked in turn, each database made a target with a
 * stable id (its path relative to the fleet's folder, its URL without the password, `url#schema`
 * for a tenant schema), its group and its migrations folder. A glob's files are sorted by path;
 * a list, a query and a module keep their own order. The same database twice is an error: it
 * would be migrated twice at once.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { redactUrl } from '../targets/sql/server-url.js';
import type { FleetTarget } from './fleet-state.js';
import { globDatabases } from './sources/glob-source.js';
import { isUrl, listDatabases } from './sources/list-source.js';
import { moduleDatabases } from './sources/module-source.js';
import { firstColumn } from './sources/query-source.js';
import { schemaDatabases } from './sources/schema-source.js';
import { targetsInvalid, type FoundDatabase, type TargetSource } from './sources/target-source.js';

export type { TargetSource };

/** One group of a fleet: where its databases are and the migrations they all get. */
export interface FleetGroup {
  /** Its name (reports and `--only group:NAME`); omitted for a fleet of one group. */
  readonly name?: string;
  readonly targets: TargetSource;
  /** The migrations folder of this group's databases. */
  readonly dir: string;
}

export interface DiscoverOptions {
  /** Relative paths (globs, lists, modules, folders) are relative to this folder (default: the working directory). */
  readonly base?: string;
}

export async function discoverTargets(groups: readonly FleetGroup[], options: DiscoverOptions = {}): Promise<FleetTarget[]> {
  const base = resolve(options.base ?? process.cwd());
  const targets: FleetTarget[] = [];
  const seen = new Map<string, string | undefined>();
  for (const group of groups) {
    const dir = resolve(base, group.dir);
    for (const found of await databasesOf(group.targets, base)) {
      const target: FleetTarget = {
        id: idOf(found, base),
        db: found.db,
        dir,
        ...(found.schema ? { schema: found.schema } : {}),
        ...(group.name ? { group: group.name } : {}),
      };
      if (seen.has(target.id)) {
        const other = seen.get(target.id);
        throw targetsInvalid(
          `${target.id} is found twice${other !== group.name ? ` (groups ${other ?? '(default)'} and ${group.name ?? '(default)'})` : ''}: it would be migrated twice`,
          'make the globs, lists or queries of the fleet name each database once',
          { target: target.id },
        );
      }
      seen.set(target.id, group.name);
      targets.push(target);
    }
  }
  return targets;
}

function databasesOf(source: TargetSource, base: string): Promise<FoundDatabase[]> | FoundDatabase[] {
  if ('glob' in source) return globDatabases(source.glob, base);
  if ('list' in source) return listDatabases(source.list, base);
  if ('query' in source) return firstColumn(source.control, source.query).then((values) => listDatabases(values, base));
  if ('schemas' in source) return schemaDatabases(source.db, source.schemas);
  if ('module' in source) return moduleDatabases(source.module, base);
  throw targetsInvalid(
    `a fleet's targets need one of glob, list, query (with control), schemas (with db) or module; got ${JSON.stringify(Object.keys(source))}`,
    "e.g. { glob: 'tenants/*.db' }",
  );
}

/** The id a report and the journal know a target by: never a password. */
export function idOf(found: FoundDatabase, base: string): string {
  const where = isUrl(found.db) ? redactUrl(found.db, '') : shortPath(found.db, base);
  return found.schema ? `${where}#${found.schema}` : where;
}

function shortPath(path: string, base: string): string {
  const inside = relative(base, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
