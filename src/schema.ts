/**
 * `strata-migrate/schema`: the schema as the database reports it. `readSchema` gives the
 * canonical SchemaModel (Strata's own tables left out), `schemaFingerprint` its hash (what the
 * ledger stores on each applied row), `renderSchema` the model as deterministic DDL, and
 * `dumpSchema` writes `strata schema dump`'s file.
 *
 * @module strata-migrate/schema
 */
export { readSchema, renderSchema, renderSchemaStatements, schemaFingerprint, readDriverSchema, strataTableNames } from './schema/read-schema.js';
export { fingerprintOf, FINGERPRINT_VERSION, isCurrentFingerprint } from './schema/fingerprint.js';
export { canonicalModel, canonicalJson } from './schema/canonical.js';
export type {
  SchemaModel,
  TableModel,
  ColumnModel,
  IndexModel,
  ForeignKeyModel,
  ConstraintModel,
  TriggerModel,
  ViewModel,
  OtherObjectModel,
  ReadSchemaOptions,
} from './schema/schema-model.js';
export type { DdlDialect, OtherPhase } from './schema/render-ddl.js';
export type { AlterDialect } from './schema/render-alter.js';
export type { ScratchDatabase } from './targets/sql/scratch-database.js';
export { dumpSchema, dumpText } from './schema/dump.js';
export type { AppliedVersion, DumpSchemaOptions, SchemaDump } from './schema/dump.js';

// Drift: comparing two schemas, describing the changes, adopting them as a migration (`strata drift`).
export { diffSchemas } from './schema/diff.js';
export type { SchemaChange, ChangeKind } from './schema/diff.js';
export { describeChange as describeSchemaChange } from './schema/describe-change.js';
export { adoptDrift, migrationText as driftMigrationText } from './schema/adopt-drift.js';
export type { AdoptDriftOptions, AdoptedDrift } from './schema/adopt-drift.js';
