/**
 * `strata-migrate/schema`: the schema as the database reports it. `readSchema` gives the
 * canonical SchemaModel (Strata's own tables left out), `schemaFingerprint` its hash (what the
 * ledger stores on each applied row), `renderSchema` the model as deterministic DDL, and
 * `dumpSchema` writes `strata schema dump`'s file.
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
export { dumpSchema, dumpText } from './schema/dump.js';
export type { AppliedVersion, DumpSchemaOptions, SchemaDump } from './schema/dump.js';
