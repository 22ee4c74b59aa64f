/**
 * Migrations defined in code with register({ version, name, up, down }). Their checksum is the
 * sha256 of the functions' source text unless the definition gives one.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { CodeBody, Migration, MigrationDefinition } from '../model/migration.js';
import { canonicalVersion, isIntegerVersion } from '../model/version.js';
import { checksumOf, normaliseSource } from './checksum.js';

export function codeMigration<Ctx>(definition: MigrationDefinition<Ctx>): Migration<Ctx> {
  const origin = `register(${JSON.stringify(definition?.name ?? '')})`;
  if (!definition || typeof definition !== 'object') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, 'register() expects { version, name, up, down? }');
  }
  const version = canonicalVersion(String(definition.version ?? ''));
  if (!isIntegerVersion(version)) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: version ${JSON.stringify(definition.version)} is not a non-negative integer`, {
      hint: 'use an integer version such as 3 or a timestamp such as 20250115143045',
    });
  }
  if (typeof definition.name !== 'string' || !definition.name) {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `register(): migration ${version} needs a non-empty name`);
  }
  if (typeof definition.up !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: up must be a function`);
  }
  if (definition.down !== undefined && typeof definition.down !== 'function') {
    throw new StrataError(ErrorCode.MIGRATION_INVALID, `${origin}: down must be a function when given`);
  }
  const source = normaliseSource(`${String(definition.up)}\n${String(definition.down ?? '')}`);
  const options = { transaction: definition.transaction !== false, foreignKeys: definition.foreignKeys !== false };
  const up: CodeBody<Ctx> = { kind: 'code', run: definition.up, ...options };
  const down: CodeBody<Ctx> | undefined = definition.down ? { kind: 'code', run: definition.down, ...options } : undefined;
  return {
    version,
    name: definition.name,
    checksum: definition.checksum ?? checksumOf(source)!,
    origin,
    checksumWith: (algorithm) => (definition.checksum ? undefined : checksumOf(source, algorithm)),
    load: () => Promise.resolve({ up, down }),
  };
}
