/**
 * `strata-migrate/fleet`: migrate a fleet of databases (a SQLite file per tenant, a schema per
 * tenant, a list of URLs), each with the engine as it runs alone, `concurrency` at a time, in
 * stages, resumable after a crash; and see a fleet's versions without migrating it.
 *
 * @example
 * import { runFleet, fleetStatus } from 'strata-migrate/fleet';
 * const summary = await runFleet({ groups: [{ targets: { glob: 'tenants/*.db' }, dir: 'migrations' }], canary: 1 });
 * console.log(`${summary.succeeded}/${summary.total} migrated, ${summary.failed} failed`);
 * const status = await fleetStatus({ groups: [{ targets: { glob: 'tenants/*.db' }, dir: 'migrations' }] });
 * console.log(status.versions); // [{ version: '2', count: 120 }]
 *
 * @module strata-migrate/fleet
 */
export { runFleet, scopeTargets, DEFAULT_FLEET_CONCURRENCY } from './fleet/fleet-runner.js';
export type { RunFleetOptions, FleetScope, FleetSummary, FleetFailure, FleetEvents } from './fleet/fleet-runner.js';
export { fleetStatus } from './fleet/fleet-status.js';
export type { FleetStatusOptions, FleetStatusReport, FleetTargetStatus } from './fleet/fleet-status.js';
export { discoverTargets } from './fleet/discover-targets.js';
export type { FleetGroup, DiscoverOptions, TargetSource } from './fleet/discover-targets.js';
export { FileStateStore, DEFAULT_FLEET_STATE_DIR, journalPath, latestRunId, newRunId, thisRunner } from './fleet/file-state.js';
export { stageEnds, failureLimit, selectTargets } from './fleet/rollout-plan.js';
export { runTargetTask } from './fleet/target-task.js';
export type { FleetEngineSettings, TargetTask, TargetTaskKind, TargetOutcome } from './fleet/target-task.js';
export type { FleetTarget, FleetStateStore, FleetClaim, FleetRunInfo, FleetTally, TargetRecord, TargetState } from './fleet/fleet-state.js';
export { createPostgresFleetState, isPostgresStateUrl, DEFAULT_FLEET_STATE_SCHEMA } from './fleet/postgres-state.js';
export type { PostgresFleetStateOptions } from './fleet/postgres-state.js';
export { parseShard, shardOf, targetsOfShard } from './fleet/shard.js';
export type { Shard } from './fleet/shard.js';
