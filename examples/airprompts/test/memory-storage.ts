import type { WebStorageLike } from 'strata-migrate/document';

/** Web Storage as browsers have it: strings only, getItem / setItem / removeItem / key / length. */
export class MemoryStorage implements WebStorageLike {
  private readonly items = new Map<string, string>();
  constructor(entries: Iterable<readonly [string, string]> = []) {
    for (const [key, value] of entries) this.setItem(key, value);
  }
  get length(): number {
    return this.items.size;
  }
  key(index: number): string | null {
    return [...this.items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(String(key), String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  /** Every key and value, in key order. */
  snapshot(): [string, string][] {
    const all: [string, string][] = [];
    for (let i = 0; i < this.length; i++) {
      const key = this.key(i)!;
      all.push([key, this.getItem(key)!]);
    }
    return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
