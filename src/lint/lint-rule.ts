/**
 * The contract between the linter and its rules. A rule is a pure function over one migration
 * file's statements, with what is known of the schema before the file runs; it never touches a
 * database. Rule sets live one per family (`rules/sqlite-rules.ts`, `rules/postgres-rules.ts`,
 * `rules/mysql-rules.ts`, `rules/common-rules.ts`), each rule's examples are its tests and its
 * docs page (`docs/lint/<id>.md` is generated from `docs`), so a rule cannot ship without both.
 */
import type { ForeignKeyModel, SchemaModel, TableModel } from '../schema/schema-model.js';

/** The SQL a file is linted as. */
export type LintFamily = 'sqlite' | 'postgres' | 'mysql';

/** How a finding is reported; `off` in config silences a rule. */
export type LintSeverity = 'error' | 'warn';

/** One statement of the file, as Strata's splitter cut it. */
export interface LintStatement {
  /** 1-based position among the section's statements. */
  index: number;
  /** 1-based line and column of its first token in the file. */
  line: number;
  column: number;
  /** The statement text without its delimiter; comments inside are kept. */
  sql: string;
  /** The same text with comments removed and whitespace collapsed to single spaces: what regex-based checks should match. */
  normalized: string;
  /** Whether this statement runs inside a transaction (the engine's wrapping one, or a BEGIN written in the file). */
  inTransaction: boolean;
  /** The statement's parse tree from the dialect's real parser (PostgreSQL: libpg-query's `RawStmt.stmt`), when one ran; undefined otherwise. */
  ast?: unknown;
}

/** One migration file, as the rules see it. */
export interface LintFile {
  /** The path as messages show it (relative to the working directory when under it). */
  path: string;
  family: LintFamily;
  /** The file's whole text. */
  text: string;
  /** The statements that run on the way up. */
  up: readonly LintStatement[];
  /** The statements that run on the way down; undefined when the file (or its `.down.sql`) has none. */
  down: readonly LintStatement[] | undefined;
  /** Whether the engine wraps the up in a transaction (false with `-- strata:no-transaction` or `transaction:false`). */
  transaction: boolean;
  /** Where the file will run when that changes the rules: `d1` for a Cloudflare D1 folder (format `d1`, or `--target d1`). */
  runtime?: 'd1';
}

/**
 * What is known of the schema before the file runs: read from the database when one is at hand,
 * or from replaying the earlier files of the folder; `known: false` when neither (files linted
 * alone with `--dialect`): rules then assume a table they cannot see already exists and holds
 * data (the cautious reading), and say so in the message where it matters.
 */
export interface SchemaBefore {
  readonly known: boolean;
  readonly model: SchemaModel | undefined;
  /** The table as it stands before this file (name compared case-insensitively, schema prefix ignored). */
  table(name: string): TableModel | undefined;
  /** Whether the table exists before this file: true/false when known, undefined when unknown. */
  exists(name: string): boolean | undefined;
  /**
   * The foreign keys of other tables that reference `name` (each with its table's name), when the
   * implementation can answer without reading the whole model (the SQLite replay asks one query);
   * absent: walk `model`. Rules should call `referencesTo(schema, name)` (rules/schema-helpers.ts).
   */
  referencedBy?(name: string): readonly { table: string; foreignKey: ForeignKeyModel }[];
  /**
   * Whether an earlier file of the same run creates the table (migrate applies the pending files
   * together): it exists, but holds no rows and no running code uses it yet, so lock and rewrite
   * rules stay quiet. Absent or false when the files are a history (a folder linted alone: its
   * earlier files ran long ago) or nothing is known.
   */
  createdInRun?(name: string): boolean;
}

/** What a rule reports; the linter adds the rule, severity and file. */
export interface LintFindingDraft {
  /** The statement at fault; line/column default to its start. */
  statement?: LintStatement;
  /** When the fault is not at the statement's start (a column inside it). */
  line?: number;
  column?: number;
  message: string;
  /** The safe way to write it, in one sentence. */
  hint?: string;
  /**
   * `warn` lowers this one finding to a warning when the rule runs as an error (a risk only under
   * another runner than Strata, or only on some data); it never raises one, and a rule set to
   * `warn` or `off` in config stays so. Omitted: the rule's severity.
   */
  severity?: LintSeverity;
}

/** One finding, as `strata lint --json` prints it. */
export interface LintFinding {
  rule: string;
  severity: LintSeverity;
  file: string;
  line: number;
  column: number;
  message: string;
  hint?: string;
  /** 1-based index of the statement among the up's statements, when the finding is about one. */
  statement?: number;
}

/** A rule's docs page: what it catches, why it hurts, the safe way; `bad` must trigger it and `good` must not (tests hold both). */
export interface LintRuleDocs {
  /** One paragraph: what the rule catches. */
  catches: string;
  /** One paragraph: why it hurts: the lock taken, how long, the rows at risk. */
  why: string;
  /** One paragraph: the safe way to write it. */
  safe: string;
  /** A whole migration file that the rule flags. */
  bad: string;
  /** The same change written safely: the rule stays quiet. */
  good: string;
  /** The schema before `bad`/`good` run, as DDL in the rule's family (the tables they alter); replayed or parsed to build SchemaBefore in the tests and docs. */
  setup?: string;
  /** For rules that only apply to a runtime (D1). */
  runtime?: 'd1';
}

export interface LintRule {
  /** Stable ID: `<family>/<kebab-name>` (`sqlite/rebuild-with-cascade`, `postgres/index-not-concurrent`), or `any/<name>` for rules of every family. Never renamed once released. */
  readonly id: string;
  /** The families it runs on. */
  readonly families: readonly LintFamily[];
  readonly defaultSeverity: LintSeverity;
  /** One line for lists: what it flags. */
  readonly summary: string;
  readonly docs: LintRuleDocs;
  check(file: LintFile, schema: SchemaBefore): readonly LintFindingDraft[];
}
