/**
 * A browser database that one tab or worker at a time may have open: taken under the tab lock
 * when the driver connects, held until it closes. Both browser stores need this. SQLite's
 * `opfs-sahpool` VFS keeps OPFS sync access handles, which only one context of the origin can
 * hold (a second one fails with NoModificationAllowedError). PGlite on `idb://` loads the whole
 * data folder into memory when it opens and writes it back after each query, so a second tab's
 * copy would be stale and its writes would overwrite the first's. Holding the lock from open to
 * close makes the engine's `lock()` a formality (the lock is already held) and turns "another tab
 * has it" into a wait that ends in LOCKED_BY_OTHER_TAB, with `lock:waiting` and `tab:blocked`.
 */
import type { OpenWait, Release } from '../engine/target.js';
import { acquireTabLock, DEFAULT_TAB_LOCK_TIMEOUT_MS, type TabBlocked, type TabLockRelease } from './tab-lock.js';

/** What the browser drivers add to SqlDriver: the lock they hold and whom to tell when it is taken. */
export interface BrowserDriverLock {
  /** What the tab lock guards: the OPFS pool (`sqlite-wasm:opfs-sahpool:.opfs-sahpool`), the database (`pglite:idb://app`). */
  readonly lockedDatabase: string;
  /** Told once when another tab or worker holds the database (createBrowserMigrator emits `tab:blocked`). */
  onBlocked: ((blocked: TabBlocked) => void) | undefined;
}

export class HeldDatabase {
  private release: TabLockRelease | undefined;
  private taking: Promise<void> | undefined;

  constructor(
    private readonly database: string,
    private readonly owner: BrowserDriverLock,
    private readonly defaultTimeoutMs = DEFAULT_TAB_LOCK_TIMEOUT_MS,
  ) {}

  get held(): boolean {
    return this.release !== undefined;
  }

  /** Takes the lock once (later calls wait for the same take). */
  take(wait?: OpenWait): Promise<void> {
    this.taking ??= (async () => {
      this.release = await acquireTabLock({
        database: this.database,
        timeoutMs: wait?.timeoutMs ?? this.defaultTimeoutMs,
        onBlocked: (blocked) => {
          wait?.onWaiting();
          this.owner.onBlocked?.(blocked);
        },
      });
    })().finally(() => {
      if (!this.release) this.taking = undefined;
    });
    return this.taking;
  }

  /** The engine's lock: the one taken at open (taken now if the driver was not opened yet); released at close. */
  async lockForRun(timeoutMs: number, onWaiting: () => void): Promise<Release> {
    await this.take({ timeoutMs, onWaiting });
    return async () => undefined;
  }

  async drop(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    this.taking = undefined;
    await release?.();
  }
}
