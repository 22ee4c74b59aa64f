/** Types for bench/tools.mjs (plain JavaScript so bare node can run it in child processes). */
import type Database from 'better-sqlite3';

export interface NoopSession {
  /** One migrate-to-latest with nothing pending; resolves to how many migrations it applied. */
  noop(): Promise<number>;
  close(): Promise<void>;
}

export interface Tool {
  /** Opens `file`, applies every pending migration of `dir`, closes; resolves to how many it applied. */
  apply(file: string, dir: string, options: { single: boolean }): Promise<number>;
  open(file: string, dir: string): NoopSession | Promise<NoopSession>;
}

export declare const PRAGMAS: string[];
export declare const RAW_LEDGER: string;
export declare const RAW_INSERT: string;
export declare function openDatabase(file: string): Database.Database;

export declare const raw: Tool;
export declare const rawSha: Tool;
export declare const knex: Tool;
export declare const kysely: Tool;
export declare const umzug: Tool;
export declare const umzugList: Tool;

export type ToolName = 'raw' | 'rawSha' | 'knex' | 'kysely' | 'umzug' | 'umzugList';
export declare const tools: Record<ToolName, Tool>;
