/** The pure parts the JavaScript tools' readers share: versions from names, times, steps. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepsFromRows, versionInName } from '../src/adopt/tools/js-ledger.js';
import { isoTime } from '../src/adopt/tools/tool-sql.js';
import type { StrataError } from '../src/model/errors.js';

describe('versionInName', () => {
  it('takes the number a name starts with, as each tool names its files', () => {
    assert.equal(versionInName('20240101120000_create_users.js'), '20240101120000'); // knex
    assert.equal(versionInName('20240101120000-create-user.js'), '20240101120000'); // Sequelize CLI
    assert.equal(versionInName('1700000000000_create-users'), '1700000000000'); // node-pg-migrate
    assert.equal(versionInName('0007_x.js'), '7');
    assert.equal(versionInName('2fa-setup.js'), undefined, 'digits glued to letters are not a version');
    assert.equal(versionInName('create-users.js'), undefined);
  });

  it("reads umzug's TIMESTAMP and DATE prefixes as one version", () => {
    assert.equal(versionInName('2024.01.15T12.30.45.create-users.js'), '20240115123045');
    assert.equal(versionInName('2024.01.15.create-users.js'), '20240115');
  });

  it("finds MikroORM's number anywhere in the name", () => {
    assert.equal(versionInName('Migration20240101120000', { anywhere: true }), '20240101120000');
    assert.equal(versionInName('Migration20240101120000_add_users', { anywhere: true }), '20240101120000');
    assert.equal(versionInName('Migration20240101120000'), undefined);
  });
});

describe('isoTime', () => {
  it('reads Dates, epoch numbers and zone-less text as UTC', () => {
    assert.equal(isoTime(new Date('2024-05-01T10:00:00Z')), '2024-05-01T10:00:00.000Z');
    assert.equal(isoTime(1714557600000), '2024-05-01T10:00:00.000Z');
    assert.equal(isoTime('1714557600'), '2024-05-01T10:00:00.000Z');
    assert.equal(isoTime('2024-05-01 10:00:00'), '2024-05-01T10:00:00.000Z');
    assert.equal(isoTime('2024-05-01 12:00:00.250+02:00'), '2024-05-01T10:00:00.250Z');
  });

  it('is null for nothing and for what is not a time', () => {
    assert.equal(isoTime(null), null);
    assert.equal(isoTime(undefined), null);
    assert.equal(isoTime(''), null);
    assert.equal(isoTime('soon'), null);
    assert.equal(isoTime({}), null);
  });
});

describe('stepsFromRows', () => {
  const byName = (row: { name: string }) => versionInName(row.name);

  it("numbers names without any version 1, 2, 3 in the tool's order", () => {
    const steps = stepsFromRows([{ name: 'init.js' }, { name: 'users.js' }], 'umzug.json', byName);
    assert.deepEqual(
      steps.map((s) => [s.version, s.name, s.appliedAt]),
      [
        ['1', 'init.js', null],
        ['2', 'users.js', null],
      ],
    );
  });

  it('refuses a ledger where only some names carry a version, naming them', () => {
    assert.throws(
      () => stepsFromRows([{ name: '001_init.js' }, { name: 'users.js' }], 'SequelizeMeta', byName),
      (error: StrataError) => error.code === 'ADOPT_LEDGER_INVALID' && /SequelizeMeta: users\.js carry no version/.test(error.message) && Boolean(error.hint),
    );
  });

  it('refuses two names that share a version, naming both', () => {
    assert.throws(
      () => stepsFromRows([{ name: '001_a.js' }, { name: '1_b.js' }], 'knex_migrations', byName),
      (error: StrataError) => error.code === 'ADOPT_LEDGER_INVALID' && /001_a\.js and 1_b\.js both carry version 1/.test(error.message),
    );
  });

  it('lists a name the tool recorded twice once', () => {
    const steps = stepsFromRows([{ name: '001_a.js' }, { name: '001_a.js' }], 'knex_migrations', byName);
    assert.equal(steps.length, 1);
  });
});
