/** Shared test data: the chat state at each version, and small assertion helpers. */
import assert from 'node:assert/strict';
import { StrataError } from 'strata-migrate/document';
import type { PersistedStateV0, PersistedStateV1, PersistedStateV2 } from '../src/types/chat.js';

/** The migration clock: 2025-01-02T03:04:05.000Z. */
export const MIGRATED_AT = Date.UTC(2025, 0, 2, 3, 4, 5);
/** The history clock. */
export const HISTORY_AT = new Date('2025-01-02T03:04:06.000Z');

/** What a build before the migrations module stored: the bare state, no version. */
export function legacyState(): PersistedStateV1 {
  return {
    sessions: {
      s1: {
        id: 's1',
        title: 'Refactor the parser',
        messages: [
          { id: 'm1', role: 'user', content: 'Split the tokenizer out of parser.ts' },
          { id: 'm2', role: 'assistant', content: 'Done: src/tokenizer.ts' },
        ],
      },
      s2: { id: 's2', title: 'New chat', messages: [] },
    },
    currentSessionId: 's1',
  };
}

/** legacyState() at version 2, migrated at MIGRATED_AT. */
export function migratedState(): PersistedStateV2 {
  const T = MIGRATED_AT;
  return {
    sessions: {
      s1: {
        id: 's1',
        title: 'Refactor the parser',
        messages: [
          { id: 'm1', role: 'user', content: 'Split the tokenizer out of parser.ts', timestamp: T },
          { id: 'm2', role: 'assistant', content: 'Done: src/tokenizer.ts', timestamp: T },
        ],
        createdAt: T,
        updatedAt: T,
      },
      s2: { id: 's2', title: 'New chat', messages: [], createdAt: T, updatedAt: T },
    },
    currentSessionId: 's1',
  };
}

/** Legacy state the parser cannot migrate: a session whose messages are not a list. */
export function corruptLegacyState(): PersistedStateV0 {
  return { sessions: { s9: { id: 's9', title: 'Broken', messages: 'oops' as never } }, currentSessionId: 's9' };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** An assert.throws / rejects validator: a StrataError with this code (and message, details). */
export function strataError(code: string, message?: string | RegExp, details?: Record<string, unknown>) {
  return (error: unknown) => {
    assert.ok(error instanceof StrataError, `expected a StrataError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    if (details) assert.deepEqual(error.details, details);
    return true;
  };
}
