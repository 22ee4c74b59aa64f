/**
 * defineConfig() types a strata.config.ts: the assignments below are checked by `npm run
 * typecheck` (a misspelt key or a wrong value is a type error, else tsc reports the unused
 * directive), and it is the identity at run time, from the ESM and the CommonJS builds.
 * test/consumer.test.ts checks the same against the packed package with skipLibCheck off.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defineConfig, type StrataConfig } from 'strata-migrate';
import { ROOT } from './helpers.js';

describe('defineConfig', () => {
  it('returns the config it is given, typed', () => {
    const config = { db: './app.db', dir: './db/migrations', backup: { keepDays: 7 }, databases: { app: { db: './app.db' } } } as const;
    const typed: StrataConfig = defineConfig(config);
    assert.equal(typed, config);
  });

  it('a wrong key or value is a type error', () => {
    // @ts-expect-error `dbb` is not a setting
    defineConfig({ dbb: './app.db' });
    // @ts-expect-error lockTimeoutMs is a number of ms
    defineConfig({ lockTimeoutMs: '60s' });
    // @ts-expect-error a database entry takes the same settings
    defineConfig({ databases: { app: { database: './app.db' } } });
  });

  it('the CommonJS build exports it', () => {
    const required = createRequire(join(ROOT, 'package.json'))(join(ROOT, 'dist', 'index.cjs')) as { defineConfig: (c: object) => object };
    const config = { db: ':memory:' };
    assert.equal(required.defineConfig(config), config);
  });
});
