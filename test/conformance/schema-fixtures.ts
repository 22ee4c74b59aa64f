/**
 * The schemas the schema-model tests build, one per SQL family (their DDL differs: a trigger on
 * PostgreSQL needs a function, MySQL alters columns with MODIFY). Each family gives the same
 * shape: tables items, tags (a foreign key to items) and notes; a CHECK, a unique index, an
 * index, a view and a trigger; PostgreSQL adds an enum, a sequence and a function.
 *
 * - `base`: every kind of object, in one order.
 * - `reordered`: the same schema built in another order, in other spacing, keyword case and
 *   identifier quoting: it must give the same model.
 * - `changes`: hand changes, applied one after another; each must change the fingerprint.
 */
export interface SchemaFixture {
  base: string[];
  reordered: string[];
  changes: { kind: string; sql: string[] }[];
}

const sqlite: SchemaFixture = {
  base: [
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL DEFAULT 'x', price NUMERIC CHECK (price > 0), note VARCHAR(200))",
    'CREATE TABLE tags (id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE, label VARCHAR(50))',
    'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)',
    'CREATE UNIQUE INDEX items_name ON items (name)',
    'CREATE INDEX tags_label ON tags (label)',
    'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10',
    "CREATE TRIGGER tags_touch AFTER INSERT ON tags BEGIN UPDATE items SET note = 'tagged' WHERE id = NEW.item_id; END",
  ],
  reordered: [
    'create table "notes" ( "id" integer primary key , body text )',
    'create table "items"(\n  "id"   integer primary key,\n  "name" varchar (100) not null default \'x\',\n  price numeric check(price>0),\n  note varchar(200)\n)',
    'create view cheap as select id, name\n  from items\n  where price<10',
    'CREATE TABLE "tags" (id INTEGER PRIMARY KEY, "item_id" INTEGER NOT NULL REFERENCES "items" ("id") ON DELETE CASCADE, label VARCHAR(50))',
    'create index "tags_label" on tags ("label")',
    "create trigger tags_touch after insert on tags begin\n  update items set note = 'tagged' where id = new.item_id;\nend",
    'create unique index items_name on "items" ( name )',
  ],
  changes: [
    { kind: 'add column', sql: ['ALTER TABLE items ADD COLUMN extra TEXT'] },
    { kind: 'drop column', sql: ['ALTER TABLE notes DROP COLUMN body'] },
    { kind: 'alter column type', sql: ['DROP TABLE notes', 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB)'] },
    { kind: 'alter column default', sql: ['DROP TABLE notes', "CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB DEFAULT 'b')"] },
    { kind: 'alter column nullability', sql: ['DROP TABLE notes', "CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL DEFAULT 'b')"] },
    { kind: 'add index', sql: ['CREATE INDEX notes_body ON notes (body)'] },
    { kind: 'drop index', sql: ['DROP INDEX tags_label'] },
    {
      kind: 'add foreign key',
      sql: ['DROP TABLE notes', "CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL DEFAULT 'b', item_id INTEGER REFERENCES items (id))"],
    },
    {
      kind: 'add check',
      sql: [
        'DROP TABLE notes',
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL DEFAULT 'b', item_id INTEGER REFERENCES items (id), CHECK (length(body) > 0))",
      ],
    },
    { kind: 'change view', sql: ['DROP VIEW cheap', 'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 20'] },
    { kind: 'add view', sql: ['CREATE VIEW named AS SELECT name FROM items'] },
    { kind: 'drop trigger', sql: ['DROP TRIGGER tags_touch'] },
    { kind: 'add trigger', sql: ["CREATE TRIGGER notes_touch AFTER INSERT ON notes BEGIN UPDATE items SET note = 'noted'; END"] },
  ],
};

const postgres: SchemaFixture = {
  base: [
    "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    'CREATE SEQUENCE counter START 5',
    "CREATE TABLE items (id serial PRIMARY KEY, name varchar(100) NOT NULL DEFAULT 'x', price numeric(10, 2) CHECK (price > 0), note varchar(200), m mood)",
    'CREATE TABLE tags (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, item_id int NOT NULL REFERENCES items (id) ON DELETE CASCADE, label varchar(50))',
    'CREATE TABLE notes (id int PRIMARY KEY, body text)',
    'CREATE UNIQUE INDEX items_name ON items (name)',
    'CREATE INDEX tags_label ON tags (label)',
    'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10',
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE items SET note = 'tagged' WHERE id = NEW.item_id; RETURN NEW; END $$",
    'CREATE TRIGGER tags_touch AFTER INSERT ON tags FOR EACH ROW EXECUTE FUNCTION touch()',
  ],
  reordered: [
    "create function touch() returns trigger language plpgsql as $$ BEGIN UPDATE items SET note = 'tagged' WHERE id = NEW.item_id; RETURN NEW; END $$",
    'create table "notes" ("id" int primary key, body TEXT)',
    "create type \"mood\" as enum ('happy','sad')",
    'create table items (\n  id   serial primary key,\n  "name" VARCHAR(100) not null default \'x\',\n  price NUMERIC(10,2) check (price>0),\n  note varchar (200),\n  m mood\n)',
    'create table tags ("id" integer generated always as identity primary key, item_id integer not null references "items" ("id") on delete cascade, label character varying(50))',
    'create index tags_label on tags (label)',
    'create trigger tags_touch after insert on tags for each row execute function touch()',
    'create sequence counter start with 5',
    'create view cheap as select id, name from items where price<10',
    'create unique index "items_name" on items ("name")',
  ],
  changes: [
    { kind: 'add column', sql: ['ALTER TABLE items ADD COLUMN extra text'] },
    { kind: 'drop column', sql: ['ALTER TABLE notes DROP COLUMN body'] },
    { kind: 'alter column type', sql: ['ALTER TABLE items ALTER COLUMN note TYPE text'] },
    { kind: 'alter column default', sql: ["ALTER TABLE items ALTER COLUMN note SET DEFAULT 'n'"] },
    { kind: 'alter column nullability', sql: ['ALTER TABLE items ALTER COLUMN name DROP NOT NULL'] },
    { kind: 'add index', sql: ['CREATE INDEX items_note ON items (note)'] },
    { kind: 'drop index', sql: ['DROP INDEX tags_label'] },
    { kind: 'add foreign key', sql: ['ALTER TABLE notes ADD COLUMN item_id int REFERENCES items (id)'] },
    { kind: 'add check', sql: ['ALTER TABLE notes ADD CONSTRAINT notes_positive CHECK (id > 0)'] },
    { kind: 'change view', sql: ['CREATE OR REPLACE VIEW cheap AS SELECT id, name FROM items WHERE price < 20'] },
    { kind: 'add view', sql: ['CREATE VIEW named AS SELECT name FROM items'] },
    { kind: 'drop trigger', sql: ['DROP TRIGGER tags_touch ON tags'] },
    { kind: 'add trigger', sql: ['CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch()'] },
    { kind: 'add enum value', sql: ["ALTER TYPE mood ADD VALUE 'calm'"] },
  ],
};

const mysql: SchemaFixture = {
  base: [
    "CREATE TABLE items (id int PRIMARY KEY, name varchar(100) NOT NULL DEFAULT 'x', price decimal(10, 2) CHECK (price > 0), note varchar(200))",
    'CREATE TABLE tags (id int PRIMARY KEY, item_id int NOT NULL, label varchar(50), CONSTRAINT tags_item FOREIGN KEY (item_id) REFERENCES items (id) ON DELETE CASCADE)',
    'CREATE TABLE notes (id int PRIMARY KEY, body text)',
    'CREATE UNIQUE INDEX items_name ON items (name)',
    'CREATE INDEX tags_label ON tags (label)',
    'CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10',
    "CREATE TRIGGER tags_touch AFTER INSERT ON tags FOR EACH ROW UPDATE items SET note = 'tagged' WHERE id = NEW.item_id",
  ],
  reordered: [
    'create table `notes` (`id` int primary key, body TEXT)',
    "create table items (\n  id INT primary key,\n  `name` VARCHAR(100) not null default 'x',\n  price DECIMAL(10,2) check (price>0),\n  note varchar(200)\n)",
    'create unique index `items_name` on items (`name`)',
    'create table tags (`id` int primary key, item_id int not null, label varchar(50), constraint `tags_item` foreign key (item_id) references `items` (id) on delete cascade)',
    "create trigger tags_touch after insert on tags for each row update items set note = 'tagged' where id = new.item_id",
    'create view cheap as select id, name from items where price<10',
    'create index tags_label on tags (label)',
  ],
  changes: [
    { kind: 'add column', sql: ['ALTER TABLE items ADD COLUMN extra text'] },
    { kind: 'drop column', sql: ['ALTER TABLE notes DROP COLUMN body'] },
    { kind: 'alter column type', sql: ['ALTER TABLE items MODIFY note varchar(250)'] },
    { kind: 'alter column default', sql: ["ALTER TABLE items ALTER COLUMN note SET DEFAULT 'n'"] },
    { kind: 'alter column nullability', sql: ["ALTER TABLE items MODIFY note varchar(250) NOT NULL DEFAULT 'n'"] },
    { kind: 'add index', sql: ['CREATE INDEX items_note ON items (note)'] },
    { kind: 'drop index', sql: ['DROP INDEX tags_label ON tags'] },
    {
      kind: 'add foreign key',
      sql: ['ALTER TABLE notes ADD COLUMN item_id int', 'ALTER TABLE notes ADD CONSTRAINT notes_item FOREIGN KEY (item_id) REFERENCES items (id)'],
    },
    { kind: 'add check', sql: ['ALTER TABLE notes ADD CONSTRAINT notes_positive CHECK (id > 0)'] },
    { kind: 'change view', sql: ['CREATE OR REPLACE VIEW cheap AS SELECT id, name FROM items WHERE price < 20'] },
    { kind: 'add view', sql: ['CREATE VIEW named AS SELECT name FROM items'] },
    { kind: 'drop trigger', sql: ['DROP TRIGGER tags_touch'] },
    { kind: 'add trigger', sql: ['CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW SET NEW.id = NEW.id'] },
  ],
};

export const SCHEMA_FIXTURES: Record<'sqlite' | 'postgres' | 'mysql', SchemaFixture> = { sqlite, postgres, mysql };
