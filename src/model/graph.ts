/**
 * Migrations as a dependency graph (seed 002): each category (`task`, `knowledge`, plain
 * integers) is a chain in version order, and `dependsOn` adds edges across chains. The plan is
 * a topological order that is the same on every machine: among the migrations whose
 * dependencies are done, the lowest version (model/version.ts order) goes first. A project
 * without `dependsOn` therefore keeps plain version order.
 */
import { ErrorCode, StrataError } from './errors.js';
import { compareVersions, versionParts } from './version.js';

export interface GraphNode {
  version: string;
  dependsOn?: readonly string[];
  /** For messages: a file or register(). */
  origin?: string;
}

export interface MigrationGraph {
  /** Every version, in plan order. */
  readonly order: readonly string[];
  /** Position of each version in `order`. */
  readonly position: ReadonlyMap<string, number>;
  /** Direct dependencies, the category's previous version included. */
  readonly dependencies: ReadonlyMap<string, readonly string[]>;
}

/**
 * Orders `nodes`. A dependency must be one of the nodes or in `satisfied` (applied versions
 * whose files are gone); anything else, and any cycle, is an error that names the chain.
 */
export function buildGraph(nodes: readonly GraphNode[], satisfied: ReadonlySet<string> = new Set()): MigrationGraph {
  // Loops and a module comparator, not closures made per call: every migrate builds the graph of
  // every file, and V8 drops such closures' optimized code at each full GC (see folder-source.ts).
  const sorted = [...nodes].sort(inVersionOrder);
  const byVersion = new Map<string, GraphNode>();
  for (const node of sorted) byVersion.set(node.version, node);
  const dependencies = new Map<string, string[]>();
  const previousInCategory = new Map<string, string>();
  let explicit = false;
  for (const node of sorted) {
    const { category } = versionParts(node.version);
    const deps: string[] = [];
    const previous = previousInCategory.get(category);
    if (previous !== undefined) deps.push(previous);
    previousInCategory.set(category, node.version);
    for (const dep of node.dependsOn ?? []) {
      explicit = true;
      if (dep === node.version) throw cycleError([node.version, node.version], byVersion);
      if (byVersion.has(dep)) {
        if (!deps.includes(dep)) deps.push(dep);
      } else if (!satisfied.has(dep)) {
        throw new StrataError(ErrorCode.MIGRATION_DEPENDENCY_MISSING, `${label(node)} depends on ${dep}, which no migration has`, {
          hint: `add migration ${dep}, or correct the dependency (versions look like task001, knowledge002)`,
          details: { version: node.version, dependency: dep },
        });
      }
    }
    dependencies.set(node.version, deps);
  }
  // Without cross-category edges the version order is already topological.
  const order = explicit ? topologicalOrder(sorted, dependencies, byVersion) : versionsOf(sorted);
  const position = new Map<string, number>();
  for (let k = 0; k < order.length; k++) position.set(order[k]!, k);
  return { order, position, dependencies };
}

function inVersionOrder(a: GraphNode, b: GraphNode): number {
  return compareVersions(a.version, b.version);
}

function versionsOf(nodes: readonly GraphNode[]): string[] {
  const versions = new Array<string>(nodes.length);
  for (let k = 0; k < nodes.length; k++) versions[k] = nodes[k]!.version;
  return versions;
}

function topologicalOrder(
  sorted: readonly GraphNode[],
  dependencies: ReadonlyMap<string, readonly string[]>,
  byVersion: ReadonlyMap<string, GraphNode>,
): string[] {
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of sorted) {
    const deps = dependencies.get(node.version) ?? [];
    waiting.set(node.version, deps.length);
    for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), node.version]);
  }
  // Ready versions, kept sorted: the lowest ready version always goes next.
  const ready = sorted.filter((node) => waiting.get(node.version) === 0).map((node) => node.version);
  const order: string[] = [];
  while (ready.length) {
    const next = ready.shift()!;
    order.push(next);
    for (const dependent of dependents.get(next) ?? []) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) {
        const at = ready.findIndex((version) => compareVersions(dependent, version) < 0);
        ready.splice(at === -1 ? ready.length : at, 0, dependent);
      }
    }
  }
  if (order.length < sorted.length) throw cycleError(findCycle(sorted, dependencies, new Set(order)), byVersion);
  return order;
}

/** A cycle among the versions left unordered, as a chain that ends where it starts. */
function findCycle(sorted: readonly GraphNode[], dependencies: ReadonlyMap<string, readonly string[]>, done: ReadonlySet<string>): string[] {
  const start = sorted.find((node) => !done.has(node.version))!.version;
  const path: string[] = [];
  const seen = new Map<string, number>();
  let current = start;
  while (!seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    current = (dependencies.get(current) ?? []).find((dep) => !done.has(dep))!;
  }
  // path runs against the dependency arrows; report it in dependency order.
  return [...path.slice(seen.get(current)!), current].reverse();
}

function cycleError(chain: string[], byVersion: ReadonlyMap<string, GraphNode>): StrataError {
  const first = byVersion.get(chain[0]!);
  return new StrataError(ErrorCode.MIGRATION_DEPENDENCY_CYCLE, `migrations depend on each other in a cycle: ${chain.join(' -> ')}`, {
    hint: `remove one of these dependencies${first?.origin ? ` (e.g. in ${first.origin})` : ''}; a migration can only depend on migrations that can run before it`,
    details: { cycle: chain },
  });
}

/** `versions` and every version that depends on them, directly or not. */
export function withDependents(graph: MigrationGraph, versions: Iterable<string>): Set<string> {
  const result = new Set(versions);
  // In plan order a dependent always comes after what it depends on: one pass suffices.
  for (const version of graph.order) {
    if (result.has(version)) continue;
    if ((graph.dependencies.get(version) ?? []).some((dep) => result.has(dep))) result.add(version);
  }
  return result;
}

/** `version` and everything it depends on, directly or not. */
export function withDependencies(graph: MigrationGraph, version: string): Set<string> {
  const result = new Set<string>();
  const stack = [version];
  while (stack.length) {
    const v = stack.pop()!;
    if (result.has(v)) continue;
    result.add(v);
    stack.push(...(graph.dependencies.get(v) ?? []));
  }
  return result;
}

function label(node: GraphNode): string {
  return node.origin ?? node.version;
}
