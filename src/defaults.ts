/** Defaults shared by the API and the CLI (a module of its own so the CLI can read them cheaply). */
export const DEFAULT_DATABASE = './strata.db';
export const DEFAULT_MIGRATIONS_DIR = './migrations';
