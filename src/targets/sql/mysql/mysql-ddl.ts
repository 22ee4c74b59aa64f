/** How MySQL and MariaDB write a SchemaModel back as DDL: the dialect pieces of src/schema/render-ddl.ts. */
import { writeName } from '../../../schema/normalise.js';
import type { DdlDialect } from '../../../schema/render-ddl.js';
import type { IndexModel } from '../../../schema/schema-model.js';

const q = (name: string) => writeName(name, 'mysql');

function indexKind(index: IndexModel): string {
  if (index.using === 'fulltext' || index.using === 'spatial') return `${index.using.toUpperCase()} KEY`;
  return index.unique ? 'UNIQUE KEY' : 'KEY';
}

const using = (index: IndexModel) => (index.using && index.using !== 'fulltext' && index.using !== 'spatial' ? ` USING ${index.using.toUpperCase()}` : '');

export const mysqlDdl: DdlDialect = {
  family: 'mysql',
  forwardReferences: false,
  column(column, table) {
    let text = `${q(column.name)} ${column.type}`;
    if (column.collation) text += ` COLLATE ${column.collation}`;
    const generated = column.generated ? /^(virtual|stored) (\(.*\))$/s.exec(column.generated) : null;
    if (generated) text += ` GENERATED ALWAYS AS ${generated[2]} ${generated[1]!.toUpperCase()}`;
    // MariaDB takes no NULL/NOT NULL after a generated column's expression; MySQL's are nullable too.
    if (!generated) text += column.nullable ? ' NULL' : ' NOT NULL';
    if (column.default !== null) text += ` DEFAULT ${column.default}`;
    // auto_increment, on update current_timestamp(): as the catalog's EXTRA says them.
    if (column.generated && !generated) text += ` ${column.generated}`;
    void table;
    return text;
  },
  tableOptions(table) {
    const engine = table.options.engine ? ` ENGINE=${table.options.engine}` : '';
    const collation = table.options.collation ? ` COLLATE=${table.options.collation}` : '';
    return `${engine}${collation}`;
  },
  createIndex: (table, index) =>
    `CREATE ${indexKind(index)
      .replace(/ ?KEY$/, ' ')
      .trimStart()}INDEX ${q(index.name)}${using(index)} ON ${q(table.name)} (${index.columns.join(', ')})`,
  indexClause: (index) => `${indexKind(index)} ${q(index.name)}${using(index)} (${index.columns.join(', ')})`,
  createView: (view) => `CREATE VIEW ${q(view.name)} AS ${view.definition}`,
  createTrigger: (_table, trigger) => `CREATE TRIGGER ${q(trigger.name)} ${trigger.definition}`,
  otherKinds: [],
  createOther: (other) => other.definition,
};
