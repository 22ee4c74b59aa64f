/**
 * Runs target tasks `concurrency` at a time. On worker threads (a pool made once and reused, each
 * thread one target at a time) when the worker's file is found, else on this thread (tasks
 * still overlap while they wait on a server, not while better-sqlite3 works).
 *
 * Why threads and not child processes: a thread shares the process (one start-up, no IPC
 * serialisation beyond the task and its small outcome), and a SIGKILL of the runner takes its
 * threads with it, so no orphan keeps migrating after the runner is gone. Measured on the 2-core
 * test machine (loaded): a thread with the engine loaded is ready in ~0.3 s, a child process in
 * ~0.9 s; either is paid once per pool slot, not per target.
 */
import type { Worker } from 'node:worker_threads';
import { runTargetTask, type TargetOutcome, type TargetTask } from './target-task.js';
import { startThread, threadScript } from './thread-script.js';

export interface TaskPool {
  /** Threads (0: tasks run on this thread). */
  readonly threads: number;
  run(task: TargetTask): Promise<TargetOutcome>;
  close(): Promise<void>;
}

export interface PoolOptions {
  concurrency: number;
  /** false: every task on this thread (an embedding app that wants no threads; tests). Default: threads when concurrency > 1. */
  threads?: boolean;
}

export function createTaskPool(options: PoolOptions): TaskPool {
  const script = options.threads === false || options.concurrency < 2 ? undefined : workerScript();
  return script ? new ThreadPool(script, options.concurrency) : inThread();
}

function inThread(): TaskPool {
  return {
    threads: 0,
    async run(task) {
      // better-sqlite3 works synchronously and its promises resolve at once: without a turn of
      // the event loop between targets, no timer (the progress ticker) and no signal (Ctrl-C)
      // would be heard until the whole fleet is done.
      await new Promise((resolve) => setImmediate(resolve));
      return runTargetTask(task);
    },
    close: async () => undefined,
  };
}

interface Waiting {
  task: TargetTask;
  resolve: (outcome: TargetOutcome) => void;
}

class ThreadPool implements TaskPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Waiting>();
  private readonly queue: Waiting[] = [];
  private size = 0;

  constructor(
    private readonly script: URL,
    readonly threads: number,
  ) {}

  run(task: TargetTask): Promise<TargetOutcome> {
    return new Promise((resolve) => {
      this.queue.push({ task, resolve });
      this.next();
    });
  }

  private next(): void {
    while (this.queue.length) {
      const worker = this.idle.pop() ?? (this.size < this.threads ? this.start() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.postMessage({ id: 0, task: job.task });
    }
  }

  private start(): Worker {
    this.size += 1;
    const worker = startThread(this.script, WORKER_OPTIONS);
    worker.on('message', (message: { outcome: TargetOutcome }) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      job?.resolve(message.outcome);
      this.next();
    });
    // A thread that dies (out of memory, a native crash) fails its target only; a new one takes its place.
    const lost = (reason: string) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.size -= 1;
      job?.resolve({
        ok: false,
        applied: 0,
        pending: 0,
        durationMs: 0,
        error: { code: 'INTERNAL', message: `the worker thread migrating it stopped: ${reason}` },
      });
      this.next();
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => {
      if (this.busy.has(worker) || this.idle.includes(worker)) lost(`exit code ${code}`);
    });
    return worker;
  }

  async close(): Promise<void> {
    const all = [...this.idle, ...this.busy.keys()];
    this.idle.length = 0;
    this.busy.clear();
    await Promise.all(all.map((w) => w.terminate()));
  }
}

/**
 * A worker's young generation, in MB (V8 gives a third to each of its two semi-spaces, rounded
 * up to a power of two: 4 MB each, 8 MB of new space). V8 doubles a thread's new space each time
 * the bytes that survived its scavenges since it last grew exceed its size; a thread migrating
 * target after target keeps a few KB of each alive across a scavenge (what is in flight while it
 * waits), so by a few thousand targets every worker's new space had doubled up to V8's default
 * 16 MB semi-spaces, 32 MB resident each, and peak RSS rose with the fleet's size until then
 * (measured at concurrency 2: new space 16 MB a worker after 1,000 targets, 32 MB by 5,000).
 * Capped, it stays at this from the first targets on. Only the young generation is capped: the
 * old generation (what a large code migration keeps) has V8's usual limit.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

/** Every fleet worker's options (exported for its test). */
export const WORKER_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } } as const;

/** From TypeScript sources (tests under tsx), through tsx's loader, which workers do not inherit. */
let script: URL | null | undefined;

/** The worker's file, found once: beside this module, or the CLI bundle's own beside its chunk (see thread-script.ts). */
function workerScript(): URL | undefined {
  if (script === undefined) script = threadScript('fleet-worker', import.meta.url) ?? null;
  return script ?? undefined;
}
