/**
 * Issue 18, item 13 (and item 10's config cases): the whole config is checked against one schema
 * (src/cli/config-schema.ts); each refusal is CONFIG_INVALID naming the key and what it accepts,
 * before anything is opened. A BOM is tolerated in JSON configs; a config module whose top-level
 * await never settles ends with a coded error, not a silent exit 13.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkConfig } from '../src/cli/config.js';
import { StrataError } from '../src/model/errors.js';
import { SqliteDriver } from '../src/targets/sql/sqlite/sqlite-driver.js';
import { assertFailure, assertOk, cli, parseJson, query, tempDir, writeFiles } from './helpers.js';

/** The CONFIG_INVALID message checkConfig gives `value` (fails when it accepts it). */
function refusal(value: unknown): { message: string; hint: string | undefined; key: unknown } {
  try {
    checkConfig(value, 'strata.config.json');
  } catch (error) {
    assert.ok(error instanceof StrataError, String(error));
    assert.equal(error.code, 'CONFIG_INVALID', error.message);
    return { message: error.message, hint: error.hint, key: error.details.key };
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

describe('the config schema', () => {
  const cases: [string, unknown, RegExp, string][] = [
    ['an unknown pragma', { pragmas: { cacheSize: 1 } }, /unknown setting "pragmas\.cacheSize"/, 'pragmas.cacheSize'],
    [
      'journalMode "off"',
      { pragmas: { journalMode: 'off' } },
      /pragmas\.journalMode must be "wal", "delete", "truncate", "persist", got "off"/,
      'pragmas.journalMode',
    ],
    [
      'journalMode with SQL in it',
      { pragmas: { journalMode: 'wal; DROP TABLE a' } },
      /pragmas\.journalMode must be .* got "wal; DROP TABLE a"/,
      'pragmas.journalMode',
    ],
    [
      'synchronous "sometimes"',
      { pragmas: { synchronous: 'sometimes' } },
      /pragmas\.synchronous must be "off", "normal", "full", "extra"/,
      'pragmas.synchronous',
    ],
    [
      'busyTimeoutMs -1',
      { pragmas: { busyTimeoutMs: -1 } },
      /pragmas\.busyTimeoutMs must be an integer from 0 to 2147483647 ms, got -1/,
      'pragmas.busyTimeoutMs',
    ],
    ['keepCount -1', { backup: { keepCount: -1 } }, /backup\.keepCount must be an integer from 1 to 1000000, got -1/, 'backup.keepCount'],
    ['keepCount 0', { backup: { keepCount: 0 } }, /backup\.keepCount must be an integer from 1/, 'backup.keepCount'],
    ['keepCount 2.5', { backup: { keepCount: 2.5 } }, /backup\.keepCount must be an integer/, 'backup.keepCount'],
    ['keepDays -1', { backup: { keepDays: -1 } }, /backup\.keepDays must be a number above 0 to 36500 days, got -1/, 'backup.keepDays'],
    ['compression 1.5', { backup: { compression: 1.5 } }, /backup\.compression must be false, or an integer from 0 to 9, got 1\.5/, 'backup.compression'],
    ['compression 10', { backup: { compression: 10 } }, /backup\.compression must be/, 'backup.compression'],
    ['check "quick"', { backup: { check: 'quick' } }, /backup\.check must be "structure", "full", got "quick"/, 'backup.check'],
    ['an unknown backup key', { backup: { keepCont: 3 } }, /unknown setting "backup\.keepCont"; did you mean "backup\.keepCount"\?/, 'backup.keepCont'],
    ['lockTimeoutMs -5', { lockTimeoutMs: -5 }, /lockTimeoutMs must be an integer from 0 to 2147483647 ms, got -5/, 'lockTimeoutMs'],
    ['lockTimeoutMs 1e309', JSON.parse('{"lockTimeoutMs":1e309}'), /lockTimeoutMs must be .* got Infinity/, 'lockTimeoutMs'],
    ['lockTimeoutMs NaN', { lockTimeoutMs: Number.NaN }, /lockTimeoutMs must be/, 'lockTimeoutMs'],
    ['a __proto__ key', JSON.parse('{"__proto__":{"db":"x"}}'), /unknown setting "__proto__"/, '__proto__'],
    ['a __proto__ key in backup', JSON.parse('{"backup":{"__proto__":{}}}'), /unknown setting "backup\.__proto__"/, 'backup.__proto__'],
    ['drift "loud"', { drift: 'loud' }, /drift must be "error", "warn", "off", got "loud"/, 'drift'],
    ['journal "yes"', { journal: 'yes' }, /journal must be true or false, or an object with level, table, got "yes"/, 'journal'],
    ['journal level "loud"', { journal: { level: 'loud' } }, /journal\.level must be "debug"/, 'journal.level'],
    ['statementTimeout -1', { statementTimeout: -1 }, /statementTimeout must be an integer from 0 to 2147483647 ms, or a string, got -1/, 'statementTimeout'],
    ['databases null', { databases: null }, /databases must be an object of name: settings, got null/, 'databases'],
    ['placeholders a string', { placeholders: 'x' }, /placeholders must be an object of name: value/, 'placeholders'],
    ['db a number', { db: 5 }, /db must be a string, got 5/, 'db'],
  ];
  for (const [what, value, message, key] of cases) {
    test(`${what}: refused, naming ${key}`, () => {
      const found = refusal(value);
      assert.match(found.message, message);
      assert.equal(found.key, key);
      assert.ok(found.hint, 'a hint says what to write');
    });
  }

  test('settings within their ranges are accepted as they are', () => {
    const config = {
      db: './app.db',
      lockTimeoutMs: 0,
      pragmas: { journalMode: 'delete', synchronous: 'full', busyTimeoutMs: 100, foreignKeys: true },
      backup: { keepCount: 1, keepDays: 0.5, compression: 9, check: 'full' },
      journal: { level: 'debug' },
      statementTimeout: '30s',
      drift: 'off',
    };
    assert.equal(checkConfig(config, 'strata.config.json'), config);
    assert.equal(checkConfig({ backup: false, journal: true, placeholderPattern: false }, 'x').backup, false);
  });
});

describe('config files through the CLI', () => {
  test('journalMode "wal; DROP TABLE a": CONFIG_INVALID, the table is still there', () => {
    const dir = tempDir('strata-config-');
    writeFiles(dir, { 'migrations/0001_a.sql': 'CREATE TABLE a (x);\n' });
    assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
    writeFiles(dir, { 'strata.config.json': JSON.stringify({ pragmas: { journalMode: 'wal; DROP TABLE a' } }) });
    const result = cli(['migrate', '--no-backup'], { cwd: dir });
    assertFailure(result, 'CONFIG_INVALID');
    assert.match(result.stderr, /pragmas\.journalMode must be/);
    assert.deepEqual(query(join(dir, 'strata.db'), "SELECT name FROM sqlite_master WHERE name = 'a'"), [{ name: 'a' }]);
  });

  test('a JSON config with a UTF-8 byte-order mark is read', () => {
    const dir = tempDir('strata-config-');
    writeFiles(dir, { 'strata.config.json': `\uFEFF${JSON.stringify({ db: './bom.db', dir: './steps' })}`, 'steps/0001_a.sql': 'CREATE TABLE a (x);\n' });
    assertOk(cli(['migrate', '--no-backup'], { cwd: dir }));
    assert.deepEqual(query(join(dir, 'bom.db'), "SELECT name FROM sqlite_master WHERE name = 'a'"), [{ name: 'a' }]);
  });

  test('--json carries the key', () => {
    const dir = tempDir('strata-config-');
    writeFiles(dir, { 'strata.config.json': JSON.stringify({ backup: { keepCount: 0 } }) });
    const result = cli(['status', '--json'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(parseJson(result).error.details.key, 'backup.keepCount');
  });

  test('a config module whose top-level await never settles: CONFIG_INVALID after the timeout, not a silent exit 13', () => {
    const dir = tempDir('strata-config-');
    writeFiles(dir, { 'strata.config.mjs': 'await new Promise(() => {});\nexport default { db: "./app.db" };\n' });
    const result = cli(['status'], { cwd: dir, env: { STRATA_CONFIG_TIMEOUT_MS: '500' } });
    assertFailure(result, 'CONFIG_INVALID');
    assert.match(result.stderr, /strata\.config\.mjs did not finish loading within 500 ms/);
    assert.match(result.stderr, /STRATA_CONFIG_TIMEOUT_MS/);
  });

  test('a config module awaiting something that keeps the process alive is cut off too', () => {
    const dir = tempDir('strata-config-');
    writeFiles(dir, { 'strata.config.mjs': 'await new Promise(() => setInterval(() => {}, 1000));\nexport default {};\n' });
    const result = cli(['status'], { cwd: dir, env: { STRATA_CONFIG_TIMEOUT_MS: '500' } });
    assertFailure(result, 'CONFIG_INVALID');
  });
});

test('pragmas given in code are checked too: never written into a PRAGMA as SQL', () => {
  const db = join(tempDir('strata-config-'), 'app.db');
  for (const pragmas of [{ journalMode: 'wal; DROP TABLE a' }, { synchronous: 'normal; x' }, { busyTimeoutMs: -1 }]) {
    assert.throws(
      () => new SqliteDriver(db, { pragmas: pragmas as never }),
      (error: unknown) => error instanceof StrataError && error.code === 'CONFIG_INVALID' && /pragmas\.\w+ must be/.test(error.message),
    );
  }
  assert.ok(new SqliteDriver(db, { pragmas: { journalMode: 'delete', synchronous: 'full' } }));
});
