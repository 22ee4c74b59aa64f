/**
 * Migrations defined in code with register({ version, name, up, down }). Their checksum is the
 * sha256 of the functions' source text unless the definition gives one.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { CodeBody, Migration, MigrationDefinition } from '../model/migration.js';
import { canonicalVersion, isVersion } from '../model/version.js';
import { checksumOf, normaliseSource } from './checksum.js';

export function codeMigration<Ctx>(definition: MigrationDefinition<Ctx>): Migration<Ctx> {
  const origin = `register(${JSON.stringify(definition?.name ?? '')})`;
  if (!definition || typeof definition !== 'object') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, 'register() expects { version, name, up, down? }');
  }
  const version = canonicalVersion(String(definition.version ?? ''));
  if (!isVersion(version)) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: version ${JSON.stringify(definition.version)} is not a version`, {
      hint: 'use an integer version such as 3, a timestamp such as 20250115143045, or a category version such as task001',
    });
  }
  const dependsOn = dependenciesOf(definition.dependsOn, origin);
  if (typeof definition.name !== 'string' || !definition.name) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `register(): migration ${version} needs a non-empty name`);
  }
  if (typeof definition.up !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: up must be a function`);
  }
  if (definition.down !== undefined && typeof definition.down !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: down must be a function when given`);
  }
  const source = normaliseSource(`${String(definition.up)}\n${String(definition.down ?? '')}${definition.verify ? `\n${String(definition.verify)}` : ''}`);
  const options = { transaction: definition.transaction !== false, foreignKeys: definition.foreignKeys !== false };
  const up: CodeBody<Ctx> = { kind: 'code', run: definition.up, ...options };
  const down: CodeBody<Ctx> | undefined = definition.down ? { kind: 'code', run: definition.down, ...options } : undefined;
  if (definition.verify !== undefined && typeof definition.verify !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: verify must be a function when given`);
  }
  const verify: CodeBody<Ctx> | undefined = definition.verify ? { kind: 'code', run: definition.verify, ...options } : undefined;
  return {
    version,
    name: definition.name,
    checksum: definition.checksum ?? checksumOf(source)!,
    origin,
    ...(dependsOn.length ? { dependsOn } : {}),
    checksumWith: (algorithm) => (definition.checksum ? undefined : checksumOf(source, algorithm)),
    load: () => Promise.resolve({ up, down, ...(verify ? { verify } : {}) }),
  };
}

/** Checked and canonical dependency versions, from a definition or a file's header. */
export function dependenciesOf(list: unknown, origin: string): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list))
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: dependsOn must be a list of versions`, { hint: "e.g. dependsOn: ['knowledge001']" });
  return list.map((item) => {
    const text = String(item);
    if (!isVersion(text))
      throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: dependsOn names ${JSON.stringify(item)}, which is not a version`, {
        hint: "e.g. dependsOn: ['knowledge001', 'task002']",
      });
    return canonicalVersion(text);
  });
}
