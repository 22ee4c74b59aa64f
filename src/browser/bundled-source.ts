/**
 * A MigrationBundle (`strata bundle`, `virtual:strata-migrations`) as the engine's migrations.
 * The checksums are the bundle's: made at build time by the same code that checksums a folder in
 * Node, so a database migrated from Node and opened in the browser (or the other way round) sees
 * the same migrations as unchanged.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { LoadedMigration, Migration, MigrationBody } from '../model/migration.js';
import type { SqlFamily } from '../targets/sql/dialect.js';
import { type BundledBody, MIGRATION_BUNDLE_FORMAT, type MigrationBundle } from './migration-bundle.js';

/** The engine's migrations from a bundle; throws MIGRATION_INVALID for something that is not one. */
export function bundledMigrations<Ctx>(bundle: MigrationBundle, family?: SqlFamily): Migration<Ctx>[] {
  const given = bundle as Partial<MigrationBundle> | undefined;
  if (!given || given.format !== MIGRATION_BUNDLE_FORMAT || !Array.isArray(given.migrations)) {
    throw new StrataError(
      ErrorCode.MIGRATION_INVALID,
      `the migrations given are not a bundle of this Strata (format ${JSON.stringify(given?.format)}, expected ${MIGRATION_BUNDLE_FORMAT})`,
      { hint: "generate it with 'strata bundle --dir migrations --out src/migrations.gen.ts', or import it from 'virtual:strata-migrations'" },
    );
  }
  if (family && given.dialect !== family) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `the migrations were bundled for ${given.dialect} SQL, and this database speaks ${family}`, {
      hint: `bundle them again with --dialect ${family}`,
    });
  }
  return given.migrations.map((m) => {
    const loaded: LoadedMigration<Ctx> = {
      up: body(m.up),
      down: m.down ? body(m.down) : undefined,
      ...(m.verify ? { verify: body(m.verify) } : {}),
    };
    return {
      version: m.version,
      name: m.name,
      checksum: m.checksum,
      origin: m.file,
      ...(m.dependsOn?.length ? { dependsOn: m.dependsOn } : {}),
      load: () => Promise.resolve(loaded),
    };
  });
}

function body<Ctx>(bundled: BundledBody): MigrationBody<Ctx> {
  return {
    kind: 'sql',
    statements: bundled.statements.map(({ control, ...statement }) => (control === 'begin' || control === 'commit' ? { ...statement, control } : statement)),
    transaction: bundled.transaction,
    foreignKeys: bundled.foreignKeys,
    ...(bundled.file ? { file: bundled.file } : {}),
  };
}
