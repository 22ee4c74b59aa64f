/**
 * diffSchemas on hand-made models: each kind of change, renames reported as renames (and only
 * when the definition is otherwise the same), renames carried into the parts that name them,
 * and a deterministic order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeChange } from '../src/schema/describe-change.js';
import { diffSchemas, type SchemaChange } from '../src/schema/diff.js';
import type { ColumnModel, SchemaModel, TableModel } from '../src/schema/schema-model.js';

function column(name: string, type = 'integer', extra: Partial<ColumnModel> = {}): ColumnModel {
  return { name, type, nullable: true, default: null, generated: null, collation: null, ...extra };
}

function table(name: string, extra: Partial<TableModel> = {}): TableModel {
  return {
    name,
    columns: [column('id', 'integer', { nullable: false }), column('name', 'text', { nullable: false })],
    primaryKey: ['id'],
    indexes: [],
    foreignKeys: [],
    constraints: [],
    triggers: [],
    options: {},
    ...extra,
  };
}

function model(tables: TableModel[], extra: Partial<SchemaModel> = {}): SchemaModel {
  return { family: 'sqlite', tables, views: [], others: [], ...extra };
}

/** The changes in short: `renamed table goods<-items`, `changed column items.name [type]`. */
function short(changes: SchemaChange[]): string[] {
  return changes.map((c) => {
    const where = c.table !== undefined && c.object !== 'table' ? `${c.table}.` : '';
    return `${c.change} ${c.object} ${where}${c.name}${c.from ? `<-${c.from}` : ''}${c.fields ? ` [${c.fields.join(',')}]` : ''}`;
  });
}

const items = () => table('items', { indexes: [{ name: 'items_name', unique: false, columns: ['name'], where: null, using: null }] });
const tags = () =>
  table('tags', {
    columns: [column('id', 'integer', { nullable: false }), column('item_id', 'integer', { nullable: false })],
    foreignKeys: [{ name: null, columns: ['item_id'], referencedTable: 'items', referencedColumns: ['id'], onUpdate: 'no action', onDelete: 'cascade' }],
  });

describe('diffSchemas', () => {
  test('equal models: no change', () => {
    assert.deepEqual(diffSchemas(model([items(), tags()]), model([tags(), items()])), []);
  });

  test('tables added and removed, with the whole table as before/after', () => {
    const changes = diffSchemas(model([items()]), model([table('audit', { columns: [column('at', 'text')] })]));
    assert.deepEqual(short(changes), ['added table audit', 'removed table items']);
    assert.equal((changes[0]!.after as TableModel).name, 'audit');
    assert.equal((changes[1]!.before as TableModel).name, 'items');
  });

  test('columns: added, removed, and each changed field with before and after', () => {
    const before = items();
    const after = items();
    after.columns = [column('id', 'integer', { nullable: false }), column('name', 'varchar(200)', { nullable: true, default: "'x'" }), column('note', 'text')];
    const changes = diffSchemas(model([before]), model([after]));
    assert.deepEqual(short(changes), ['added column items.note', 'changed column items.name [type,nullable,default]']);
    assert.deepEqual(describeChange(changes[1]!), "~ column items.name changed: type text -> varchar(200); nullable false -> true; default none -> 'x'");
    const dropped = diffSchemas(model([after]), model([before]));
    assert.deepEqual(short(dropped), ['removed column items.note', 'changed column items.name [type,nullable,default]']);
  });

  test('generated and collation changes are column changes', () => {
    const after = items();
    after.columns[1] = column('name', 'text', { nullable: false, collation: 'nocase', generated: 'stored: upper(x)' });
    assert.deepEqual(short(diffSchemas(model([items()]), model([after]))), ['changed column items.name [generated,collation]']);
  });

  test('a renamed column is a rename (same definition, same position), and its index follows it', () => {
    const after = items();
    after.columns[1] = column('title', 'text', { nullable: false });
    after.indexes = [{ name: 'items_name', unique: false, columns: ['title'], where: null, using: null }];
    const changes = diffSchemas(model([items()]), model([after]));
    assert.deepEqual(short(changes), ['renamed column items.title<-name']);
    assert.equal(describeChange(changes[0]!), '> column items.title renamed from name');
  });

  test('a column under a new name with another type is a drop and an add, not a rename', () => {
    const after = items();
    after.columns[1] = column('title', 'varchar(10)', { nullable: false });
    after.indexes = [{ name: 'items_name', unique: false, columns: ['title'], where: null, using: null }];
    assert.deepEqual(short(diffSchemas(model([items()]), model([after]))), [
      'removed column items.name',
      'added column items.title',
      'changed index items.items_name [columns]',
    ]);
  });

  test('a column under a new name at another position is not a rename', () => {
    const after = items();
    after.columns = [column('title', 'text', { nullable: false }), column('id', 'integer', { nullable: false })];
    after.indexes = [];
    const changes = short(diffSchemas(model([items()]), model([after])));
    assert.ok(changes.includes('removed column items.name'), changes.join('\n'));
    assert.ok(changes.includes('added column items.title'), changes.join('\n'));
  });

  test('column order is part of the schema', () => {
    const after = items();
    after.columns = [...after.columns].reverse();
    assert.deepEqual(short(diffSchemas(model([items()]), model([after]))), ['changed column order items.items']);
  });

  test('a renamed table is a rename, and foreign keys pointing at it follow it', () => {
    const goods = items();
    goods.name = 'goods';
    const tagsAfter = tags();
    tagsAfter.foreignKeys[0]!.referencedTable = 'goods';
    const changes = diffSchemas(model([items(), tags()]), model([goods, tagsAfter]));
    assert.deepEqual(short(changes), ['renamed table goods<-items']);
  });

  test('a table under a new name with another column is a drop and an add', () => {
    const goods = items();
    goods.name = 'goods';
    goods.columns.push(column('extra'));
    assert.deepEqual(short(diffSchemas(model([items()]), model([goods]))), ['added table goods', 'removed table items']);
  });

  test('two identical tables renamed at once are ambiguous: drops and adds, never a guess', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => table(n));
    assert.deepEqual(short(diffSchemas(model([a!, b!]), model([c!, d!]))), ['removed table a', 'removed table b', 'added table c', 'added table d']);
  });

  test('indexes: added, removed, changed (uniqueness, columns, predicate), renamed', () => {
    const before = items();
    const plus = items();
    plus.indexes.push({ name: 'items_id_desc', unique: true, columns: ['id desc'], where: null, using: null });
    assert.deepEqual(short(diffSchemas(model([before]), model([plus]))), ['added index items.items_id_desc']);
    assert.deepEqual(short(diffSchemas(model([plus]), model([before]))), ['removed index items.items_id_desc']);
    const changed = items();
    changed.indexes = [{ name: 'items_name', unique: true, columns: ['name'], where: 'name IS NOT NULL', using: null }];
    assert.deepEqual(short(diffSchemas(model([before]), model([changed]))), ['changed index items.items_name [unique,where]']);
    const renamed = items();
    renamed.indexes = [{ name: 'idx_items_name', unique: false, columns: ['name'], where: null, using: null }];
    assert.deepEqual(short(diffSchemas(model([before]), model([renamed]))), ['renamed index items.idx_items_name<-items_name']);
  });

  test('primary key and table options', () => {
    const after = items();
    after.primaryKey = ['id', 'name'];
    after.options = { strict: 'true' };
    const changes = diffSchemas(model([items()]), model([after]));
    assert.deepEqual(short(changes), ['changed primary key items.items', 'changed table options items.items [strict]']);
    assert.equal(describeChange(changes[0]!), '~ primary key of items changed: (id) -> (id, name)');
  });

  test('foreign keys: unnamed ones by their columns, named ones by name; a renamed constraint is a rename', () => {
    const after = tags();
    after.foreignKeys[0]!.onDelete = 'restrict';
    assert.deepEqual(short(diffSchemas(model([items(), tags()]), model([items(), after]))), ['changed foreign key tags.(item_id) [onDelete]']);
    const dropped = tags();
    dropped.foreignKeys = [];
    assert.deepEqual(short(diffSchemas(model([items(), tags()]), model([items(), dropped]))), ['removed foreign key tags.(item_id)']);
    const named = tags();
    named.foreignKeys[0]!.name = 'tags_item_fk';
    const renamed = tags();
    renamed.foreignKeys[0]!.name = 'fk_tags_item';
    assert.deepEqual(short(diffSchemas(model([items(), named]), model([items(), renamed]))), ['renamed foreign key tags.fk_tags_item<-tags_item_fk']);
  });

  test('check and unique constraints', () => {
    const before = items();
    const after = items();
    after.constraints = [{ name: null, kind: 'check', definition: 'length(name) > 0' }];
    assert.deepEqual(short(diffSchemas(model([before]), model([after]))), ['added constraint items.check length(name) > 0']);
    const named = items();
    named.constraints = [{ name: 'items_name_key', kind: 'unique', definition: 'name' }];
    const changed = items();
    changed.constraints = [{ name: 'items_name_key', kind: 'unique', definition: 'name, id' }];
    assert.deepEqual(short(diffSchemas(model([named]), model([changed]))), ['changed constraint items.items_name_key [definition]']);
  });

  test('triggers, views and other objects', () => {
    const before = model([items()], {
      views: [{ name: 'named', definition: 'select name from items', materialized: false }],
      others: [{ kind: 'sequence', name: 'seq', definition: 'start 1' }],
    });
    const withTrigger = items();
    withTrigger.triggers = [{ name: 'items_touch', definition: 'create trigger items_touch after insert on items begin select 1; end' }];
    const after = model([withTrigger], {
      views: [{ name: 'named', definition: 'select name, id from items', materialized: false }],
      others: [
        { kind: 'sequence', name: 'seq', definition: 'start 10' },
        { kind: 'enum', name: 'mood', definition: "'happy', 'sad'" },
      ],
    });
    assert.deepEqual(short(diffSchemas(before, after)), [
      'added trigger items.items_touch',
      'changed view named [definition]',
      'added enum mood',
      'changed sequence seq [definition]',
    ]);
    const renamedView = model([items()], { views: [{ name: 'item_names', definition: 'select name from items', materialized: false }], others: before.others });
    assert.deepEqual(short(diffSchemas(before, renamedView)), ['renamed view item_names<-named']);
  });

  test('deterministic: the same changes in the same order whatever the input order', () => {
    const a = model([items(), tags(), table('zeta')]);
    const alpha = () => table('alpha', { columns: [column('a')] });
    const b1 = model([alpha(), tags()]);
    const b2 = model([tags(), alpha()]);
    const first = diffSchemas(a, b1);
    assert.deepEqual(diffSchemas(model([...a.tables].reverse()), b2), first);
    assert.deepEqual(
      first.map((c) => c.name),
      ['alpha', 'items', 'zeta'],
    );
  });

  test('describeChange says what, where and how', () => {
    const after = items();
    after.columns.push(column('note'));
    assert.deepEqual(diffSchemas(model([items()]), model([after])).map(describeChange), ['+ column items.note added']);
    assert.deepEqual(diffSchemas(model([after]), model([items()])).map(describeChange), ['- column items.note removed']);
  });
});
