/**
 * JSON config files as written by `conf` and electron-store (`config.json`, tab-indented JSON).
 * conf keeps its own bookkeeping under `__internal__` (the last migrated version): that key is
 * left out of `value` and `get()`, and exposed as `internal`.
 */
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { jsonErrorPosition, readWholeSource, sourceText } from './json-cursor.js';
import { ObjectSource } from './dot-path.js';
import type { KeyValueSource } from './reader-types.js';

export const CONF_INTERNAL_KEY = '__internal__';

export interface ConfigSource extends KeyValueSource {
  /** conf's `__internal__` (`{ migrations: { version } }`), or undefined. */
  readonly internal: Record<string, unknown> | undefined;
  /** conf's last migrated version (`__internal__.migrations.version`), when it ran migrations. */
  readonly migratedVersion: string | undefined;
}

class ConfigFile extends ObjectSource implements ConfigSource {
  constructor(
    description: string,
    value: Record<string, unknown>,
    readonly internal: Record<string, unknown> | undefined,
  ) {
    super(description, value);
  }

  get migratedVersion(): string | undefined {
    const version = (this.internal?.migrations as { version?: unknown } | undefined)?.version;
    return typeof version === 'string' ? version : undefined;
  }
}

export async function readConfigFile(path: string): Promise<ConfigSource> {
  const bytes = await readWholeSource(
    path,
    'config file',
    "Check the path in the import configuration (electron-store keeps config.json in the app's userData folder).",
  );
  const text = sourceText(bytes, path, 'config file');
  let parsed: unknown;
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    const position = jsonErrorPosition(error, text);
    const looksEncrypted = bytes.length > 17 && bytes[16] === 0x3a; // conf's encryptionKey: 16-byte IV, ':', ciphertext
    if (looksEncrypted) {
      throw new StrataError(ErrorCode.IMPORT_SOURCE_UNSUPPORTED, `${path} is not JSON: it looks encrypted (conf's encryptionKey)`, {
        hint: 'Read it through conf with its encryptionKey and hand the store object to the import instead.',
        details: { file: path },
        cause: error,
      });
    }
    const offset = position === undefined ? undefined : Buffer.byteLength(text.slice(0, position));
    throw new StrataError(
      ErrorCode.IMPORT_SOURCE_INVALID,
      `${path} is not valid JSON${offset === undefined ? '' : ` at byte ${offset}`}: ${messageOf(error)}`,
      {
        hint: 'The config file is damaged: restore it or fix the JSON by hand.',
        details: { file: path, ...(offset === undefined ? {} : { offset }) },
        cause: error,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StrataError(ErrorCode.IMPORT_SOURCE_INVALID, `${path} is not a JSON object`, { details: { file: path } });
  }
  const { [CONF_INTERNAL_KEY]: internal, ...value } = parsed as Record<string, unknown>;
  return new ConfigFile(path, value, internal !== null && typeof internal === 'object' ? (internal as Record<string, unknown>) : undefined);
}
