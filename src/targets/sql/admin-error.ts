import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';

/** A failed CREATE/DROP DATABASE (or file removal), coded, with what usually causes it. */
export function adminError(action: 'create' | 'drop', description: string, error: unknown, hint: string): StrataError {
  return new StrataError(ErrorCode.DB_ADMIN_FAILED, `cannot ${action} ${description}: ${messageOf(error)}`, { hint, cause: error });
}
