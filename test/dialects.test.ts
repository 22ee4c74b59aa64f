/** The dialect registry: which dialect claims each `--db` form, lookups by name, and the error for a form nobody claims. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { DIALECTS, dialectFor, dialectNamed, dialectOf } from '../src/targets/sql/dialects.js';

describe('dialectFor', () => {
  const forms: [string, string][] = [
    ['./app.db', 'sqlite'],
    ['app.db', 'sqlite'],
    ['/abs/app.db', 'sqlite'],
    [':memory:', 'sqlite'],
    ['sqlite:./app.db', 'sqlite'],
    ['sqlite3:app.db', 'sqlite'],
    ['sqlite::memory:', 'sqlite'],
    [pathToFileURL(resolve('app.db')).href, 'sqlite'],
    ['postgres://u:p@h:5432/app', 'postgres'],
    ['postgresql://h/app', 'postgres'],
    ['POSTGRES://h/app', 'postgres'],
    ['mysql://root@h:3306/app', 'mysql'],
    ['mariadb://root@h/app', 'mysql'],
  ];
  for (const [db, name] of forms) {
    it(`${db} is ${name}'s`, () => assert.equal(dialectFor(db).name, name));
  }

  it('locates a path as an absolute file and names it relative to the current folder', () => {
    const dialect = dialectFor('sqlite:./data/app.db');
    assert.deepEqual(dialect.locate('sqlite:./data/app.db'), { location: resolve('data/app.db'), description: 'sqlite:data/app.db' });
    assert.deepEqual(dialect.locate(':memory:'), { location: ':memory:', description: 'sqlite::memory:' });
  });

  it('locates a server URL as itself, described without its password', () => {
    assert.deepEqual(dialectFor('postgres://u:secret@h/app').locate('postgres://u:secret@h/app'), {
      location: 'postgres://u:secret@h/app',
      description: 'postgres://u:***@h/app',
    });
  });

  it('a URL nobody claims: DRIVER_UNSUPPORTED, and the hint lists every registered form', () => {
    assert.throws(
      () => dialectFor('redis://h:6379/0'),
      (error: Error & { code?: string; hint?: string }) => {
        assert.equal(error.code, 'DRIVER_UNSUPPORTED');
        assert.match(error.message, /no driver for redis: URLs/);
        for (const dialect of DIALECTS) {
          assert.ok(error.hint?.includes(dialect.forms.example), `${dialect.name}'s example is in the hint`);
          for (const scheme of dialect.forms.schemes) assert.ok(error.hint?.includes(scheme), `${scheme} is in the hint`);
        }
        return true;
      },
    );
  });
});

describe('lookups by name', () => {
  it('finds each registered dialect by its name, and a family names the dialect of that name', () => {
    for (const dialect of DIALECTS) {
      assert.equal(dialectNamed(dialect.name), dialect);
      assert.equal(dialectOf(dialect), dialect);
    }
    assert.equal(dialectOf('postgres').family, 'postgres');
    assert.equal(dialectNamed('oracle'), undefined);
    assert.throws(() => dialectOf('oracle' as 'sqlite'), { code: 'DRIVER_UNSUPPORTED' });
  });

  it('names are unique', () => {
    assert.equal(new Set(DIALECTS.map((d) => d.name)).size, DIALECTS.length);
  });
});

describe('SQL builders', () => {
  const [postgres, mysql, sqlite] = ['postgres', 'mysql', 'sqlite'].map((name) => dialectOf(name as 'sqlite'));
  it('quote identifiers, doubling the quote inside', () => {
    assert.equal(sqlite!.quoteIdentifier('a"b'), '"a""b"');
    assert.equal(postgres!.quoteIdentifier('a"b'), '"a""b"');
    assert.equal(mysql!.quoteIdentifier('a`b'), '`a``b`');
  });

  it('insert-if-absent and upsert', () => {
    assert.equal(sqlite!.insertIgnore('t', ['k', 'v'], '(?, ?)', ['k']), 'INSERT OR IGNORE INTO t (k, v) VALUES (?, ?)');
    assert.equal(postgres!.insertIgnore('t', ['k', 'v'], '($1, $2)', ['k']), 'INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING');
    assert.equal(mysql!.insertIgnore('t', ['k', 'v'], '(?, ?)', ['k']), 'INSERT IGNORE INTO t (k, v) VALUES (?, ?)');
    assert.equal(postgres!.upsert('t', ['k', 'v'], '($1, $2)', ['k']), 'INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
    assert.equal(mysql!.upsert('t', ['k', 'v'], '(?, ?)', ['k']), 'INSERT INTO t (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)');
  });
});
