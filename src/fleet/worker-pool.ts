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
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runTargetTask, type TargetOutcome, type TargetTask } from './target-task.js';

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
    const worker = startWorker(this.script);
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

/** From TypeScript sources (tests under tsx), through tsx's loader, which workers do not inherit. */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true });
}

let script: URL | null | undefined;

/** The worker's file: beside this module (src/ under tsx, dist/), or dist/fleet/ from the CLI bundle in dist/cli/. */
function workerScript(): URL | undefined {
  if (script === undefined) {
    const here = import.meta.url;
    const ext = here.endsWith('.ts') ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
    script = null;
    // A CommonJS host runs the ESM worker (dist/fleet/fleet-worker.js): a worker is its own
    // module graph, and the package's .js files are ESM whoever loads the pool.
    for (const candidate of [`./fleet-worker${ext}`, `../fleet/fleet-worker${ext}`, './fleet-worker.js']) {
      const url = new URL(candidate, here);
      if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) {
        script = url;
        break;
      }
    }
  }
  return script ?? undefined;
}
