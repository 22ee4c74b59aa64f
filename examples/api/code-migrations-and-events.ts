// examples/api/code-migrations-and-events.ts: migrations defined in code, progress events, typed errors.
import { createMigrator, StrataError } from 'strata-migrate';

const migrator = createMigrator({ db: ':memory:' });
migrator
  .register({
    version: 1,
    name: 'create_notes',
    up: (ctx) => ctx.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)'),
    down: (ctx) => ctx.exec('DROP TABLE notes'),
  })
  .register({
    version: 2,
    name: 'seed_notes',
    up: async (ctx) => {
      await ctx.run('INSERT INTO notes (body) VALUES (?)', ['hello']);
      throw new Error('the seed data is wrong'); // the insert above is rolled back with the step
    },
  });

migrator.on('migrated', (e) => console.log(`applied ${e.version}_${e.name} in ${e.durationMs} ms`));
try {
  await migrator.migrate();
} catch (error) {
  if (!(error instanceof StrataError)) throw error;
  console.log(error.code); // MIGRATION_FAILED
  console.log(error.message); // register("seed_notes"): up() threw: the seed data is wrong
  console.log(error.results.map((r) => `${r.version}:${r.status}`)); // [ '1:applied', '2:failed' ]
}
console.log((await migrator.status()).currentVersion); // 1
await migrator.close();
