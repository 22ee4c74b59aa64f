/**
 * Server connection URLs: which dialect a scheme names, and the URL as it may be shown (in
 * messages, manifests, `status`): without its password.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { SqlDialect } from '../../sources/sql/split-statements.js';

const SCHEMES: Record<string, Exclude<SqlDialect, 'sqlite'>> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
};

/** The server dialect of `postgres://`, `postgresql://`, `mysql://` or `mariadb://` URLs. */
export function serverDialectOf(url: string): Exclude<SqlDialect, 'sqlite'> | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  return scheme ? SCHEMES[scheme] : undefined;
}

const URL_FORMS: Record<Exclude<SqlDialect, 'sqlite'>, { schemes: string; example: string }> = {
  postgres: { schemes: 'postgres://', example: 'postgres://user:password@host:5432/database' },
  mysql: { schemes: 'mysql:// or mariadb://', example: 'mysql://user:password@host:3306/database' },
};

/** `url` parsed, when it is a URL of `dialect`'s schemes; otherwise CONFIG_INVALID showing the form it takes. */
export function parseServerUrl(url: string, dialect: Exclude<SqlDialect, 'sqlite'>): URL {
  const { schemes, example } = URL_FORMS[dialect];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StrataError(ErrorCode.CONFIG_INVALID, 'the database URL cannot be parsed', { hint: `use ${example}` });
  }
  if (SCHEMES[parsed.protocol.slice(0, -1)] !== dialect) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${redactUrl(url, '')} is not a ${schemes} URL`, { hint: `use ${example}` });
  }
  return parsed;
}

const SECRET_PARAMS = /^(password|pass|pwd|sslpassword)$/i;

/**
 * The URL without its password, in the user info or as a query parameter (`?password=`).
 * `mask` stands in for it ('***' in messages: the URL visibly had one); '' removes it, for
 * identities such as a backup's source, which must not change with the password.
 */
export function redactUrl(url: string, mask = '***'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, mask ? `//$1:${mask}@` : '//$1@');
  }
  if (parsed.password) parsed.password = mask;
  for (const key of [...parsed.searchParams.keys()]) {
    if (!SECRET_PARAMS.test(key)) continue;
    if (mask) parsed.searchParams.set(key, mask);
    else parsed.searchParams.delete(key);
  }
  return parsed.toString();
}

/** The database a URL names (its path), for messages and lock names; 'NAME' when there is none. */
export function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || 'NAME';
  } catch {
    return 'NAME';
  }
}

/** A stable 32-bit FNV-1a hash (lock keys must be the same in every process and version). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    hash ^= text.charCodeAt(k);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
