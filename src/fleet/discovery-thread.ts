/**
 * Runs a fleet's discovery (scope-discovery.ts) on a short-lived worker thread, so that its
 * garbage dies with the thread instead of sizing the runner's heap for the whole run.
 *
 * Why: finding 10,000 targets (the glob's paths, the ids, `only`/`exclude`, the shard's hashes,
 * the fingerprint) keeps enough alive across V8's young collections that the calling thread's
 * young generation grew to its largest size (32 MB at 10,000 targets, measured) and stayed there
 * while the targets were migrated: the run's peak RSS grew with the number of targets. On a
 * thread with a small young generation that garbage is freed when the thread ends, and the runner
 * receives only the compact target list.
 *
 * Falls back to the calling thread when the worker's file is not found (code bundled some other
 * way), when the thread cannot start or dies, or when the request cannot be copied to a thread.
 */
import { type ErrorCode, isStrataError, StrataError } from '../model/errors.js';
import type { NextCommand } from '../model/next-command.js';
import { type Discovered, type DiscoveryRequest, discoverScope } from './scope-discovery.js';
import { startThread, threadScript } from './thread-script.js';

/** The thread's answer: the targets, or the error discovery threw (a StrataError's fields, or another error's name and message). */
export type DiscoveryReply = { readonly discovered: Discovered } | { readonly error: ThreadError };

type ThreadError =
  | {
      readonly strata: true;
      readonly code: ErrorCode;
      readonly message: string;
      readonly hint?: string;
      readonly details?: Record<string, unknown>;
      readonly next?: NextCommand[];
    }
  | { readonly strata: false; readonly name: string; readonly message: string };

/** What crosses back from the thread: a StrataError's fields (its code, hint and details kept), or another error's name and message. */
export function threadErrorOf(error: unknown): ThreadError {
  if (isStrataError(error)) {
    return {
      strata: true,
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(Object.keys(error.details).length ? { details: error.details } : {}),
      ...(error.next.length ? { next: error.next } : {}),
    };
  }
  return error instanceof Error ? { strata: false, name: error.name, message: error.message } : { strata: false, name: 'Error', message: String(error) };
}

/**
 * The thread's young generation, in MB: discovery needs little at a time, and a small one
 * promotes what survives instead of growing (the old generation, what is live, keeps V8's
 * usual limit). Measured in bench/README.md (fleet memory at 1,000 and 10,000 targets).
 */
export const DISCOVERY_YOUNG_GENERATION_MB = 3;

export interface DiscoveryOutcome extends Discovered {
  /** Whether a discovery thread found them (false: the calling thread did). */
  readonly onThread: boolean;
}

/** `threads: false`: on the calling thread (an embedding app that wants no threads). */
export async function discoverOnThread(request: DiscoveryRequest, options: { threads?: boolean } = {}): Promise<DiscoveryOutcome> {
  const script = options.threads === false ? undefined : threadScript('discovery-worker', import.meta.url);
  const reply = script ? await ask(script, request) : undefined;
  if (!reply) return { ...(await discoverScope(request)), onThread: false };
  if ('error' in reply) throw errorOf(reply.error);
  return { ...reply.discovered, onThread: true };
}

/** The thread's reply; undefined when it could not give one (not started, died, the request not copyable). */
function ask(script: URL, request: DiscoveryRequest): Promise<DiscoveryReply | undefined> {
  return new Promise((resolve) => {
    let worker: ReturnType<typeof startThread>;
    try {
      worker = startThread(script, { workerData: request, resourceLimits: { maxYoungGenerationSizeMb: DISCOVERY_YOUNG_GENERATION_MB } });
    } catch {
      // A request holding a function or a class instance cannot be copied to a thread (DataCloneError).
      resolve(undefined);
      return;
    }
    let settled = false;
    const settle = (reply: DiscoveryReply | undefined) => {
      if (settled) return;
      settled = true;
      // Ended before the targets are migrated: its heap is gone when the run starts. A source that
      // left a handle open (a module's timer) cannot keep the thread, or the process, alive.
      void worker.terminate().then(() => resolve(reply));
    };
    worker.once('message', (reply: DiscoveryReply) => settle(reply));
    worker.once('error', () => settle(undefined));
    worker.once('exit', () => settle(undefined));
  });
}

function errorOf(error: ThreadError): Error {
  if (!error.strata) return Object.assign(new Error(error.message), { name: error.name });
  const { code, message, hint, details, next } = error;
  return new StrataError(code, message, { ...(hint === undefined ? {} : { hint }), ...(details ? { details } : {}), ...(next ? { next } : {}) });
}
