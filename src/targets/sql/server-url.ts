/**
 * Server connection URLs: parsed for a dialect's URL forms, and shown (in messages, manifests,
 * `status`) without their password.
 */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { DialectSql } from './dialect.js';

/** `url` parsed, when its scheme is one of `forms` (a dialect's); otherwise CONFIG_INVALID showing the form it takes. */
export function parseServerUrl(url: string, forms: DialectSql['forms']): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StrataError(ErrorCode.CONFIG_INVALID, 'the database URL cannot be parsed', { hint: `use ${forms.example}` });
  }
  if (!forms.schemes.includes(`${parsed.protocol.toLowerCase()}//`)) {
    throw new StrataError(ErrorCode.CONFIG_INVALID, `${redactUrl(url, '')} is not a ${forms.schemes.join(' or ')} URL`, { hint: `use ${forms.example}` });
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
