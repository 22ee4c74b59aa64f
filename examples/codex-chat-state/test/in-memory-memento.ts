/**
 * VS Code cannot run in this repository's tests (there is no extension host and no `vscode`
 * module), so the tests use this in-memory Memento. It has vscode.Memento's shape and copies
 * the behaviour of VS Code's own implementation (ExtensionMemento, extHostMemento.ts): get()
 * returns the cached value itself, not a copy; update() stores a JSON copy of an object and
 * resolves once "persisted" (a later tick); keys() leaves out keys whose value is undefined.
 */
import type { Memento, Thenable } from '../src/vscode.js';

export class InMemoryMemento implements Memento {
  private readonly values: Record<string, unknown> = Object.create(null);
  /** Every update() call, in order: [key, value as stored]. */
  readonly updates: [string, unknown][] = [];

  constructor(initial: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(initial)) this.values[key] = jsonCopy(value);
  }

  keys(): readonly string[] {
    return Object.entries(this.values)
      .filter(([, value]) => value !== undefined)
      .map(([key]) => key);
  }

  get<T>(key: string): T | undefined;
  get<T>(key: string, defaultValue: T): T;
  get<T>(key: string, defaultValue?: T): T | undefined {
    const value = this.values[key];
    return (value === undefined ? defaultValue : value) as T | undefined;
  }

  update(key: string, value: any): Thenable<void> {
    this.values[key] = value !== null && typeof value === 'object' ? jsonCopy(value) : value;
    this.updates.push([key, this.values[key]]);
    return new Promise<void>((resolve) => setTimeout(resolve, 0));
  }

  /** Everything stored, as plain JSON (what VS Code would persist). */
  snapshot(): Record<string, unknown> {
    return Object.fromEntries(this.keys().map((key) => [key, jsonCopy(this.values[key])]));
  }
}

function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
