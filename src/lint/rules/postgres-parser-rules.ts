/**
 * What the PostgreSQL parser step reports as findings: a statement PostgreSQL's grammar refuses
 * (the migration would fail there), and a file linted without the parser installed (the
 * PostgreSQL rules saw no trees, so they stayed silent: that silence must not read as "safe").
 */
import type { LintRule } from '../lint-rule.js';
import { POSTGRES_PARSER_PACKAGE, postgresParserMissing, refusalOf } from '../parse-postgres.js';

export const syntaxError: LintRule = {
  id: 'postgres/syntax-error',
  families: ['postgres'],
  // A warning: the parser speaks PostgreSQL 18's grammar and the server may be another version, so
  // the server has the last word (and `migrate` then reports the failing statement and line itself).
  defaultSeverity: 'warn',
  summary: "a statement PostgreSQL's parser refuses",
  docs: {
    catches: "A statement that PostgreSQL's own grammar (libpg-query, the server's parser compiled to WASM) does not accept.",
    why: "The server will most likely refuse it too: the migration fails at that statement, after the ones before it ran (and, without a transaction, stay applied). The PostgreSQL rules cannot read the statement either, so it is not checked for locks. It is a warning, not an error, because the parser speaks PostgreSQL 18's grammar and your server may be another version: the server has the last word.",
    safe: "Fix the statement; if it is another dialect's SQL, lint the file with that dialect (`--dialect`).",
    bad: 'CREATE TABLE users (id bigint PRIMARY KEY,);\n',
    good: 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
  },
  check(file) {
    if (postgresParserMissing()) return [];
    return [...file.up, ...(file.down ?? [])].flatMap((statement) => {
      const refusal = refusalOf(statement);
      return refusal === undefined
        ? []
        : [
            {
              statement,
              message: `PostgreSQL's parser refuses statement ${statement.index}: ${refusal}`,
              hint: 'fix the statement, or lint the file with its own --dialect',
            },
          ];
    });
  },
};

export const parserMissing: LintRule = {
  id: 'postgres/parser-missing',
  families: ['postgres'],
  defaultSeverity: 'warn',
  summary: 'the PostgreSQL rules did not run: libpg-query is not installed',
  docs: {
    catches: `A PostgreSQL migration linted (by \`migrate\`) where the ${POSTGRES_PARSER_PACKAGE} package is not installed. \`strata lint\` itself refuses to run without it (DRIVER_MISSING, naming the install command).`,
    why: "The PostgreSQL rules read the statements through PostgreSQL's own parser; without it they see nothing and report nothing, so an index built without CONCURRENTLY or a table rewrite would pass unnoticed.",
    safe: `Install the parser as a dev dependency: \`npm install --save-dev ${POSTGRES_PARSER_PACKAGE}\` (an optional peer of Strata: a WASM build, no native code), or set this rule to off to run without PostgreSQL checks.`,
    bad: 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n',
    good: 'CREATE INDEX orders_customer_idx ON orders (customer_id);\n',
  },
  check(file) {
    if (!postgresParserMissing()) return [];
    return [
      {
        message: `the PostgreSQL lint rules did not run on ${file.path}: they need PostgreSQL's parser (the ${POSTGRES_PARSER_PACKAGE} package), which is not installed`,
        hint: `install it to enable them: npm install --save-dev ${POSTGRES_PARSER_PACKAGE}`,
      },
    ];
  },
};

export const POSTGRES_PARSER_RULES: readonly LintRule[] = [syntaxError, parserMissing];
