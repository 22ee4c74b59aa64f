/**
 * Keeps the calling thread's young generation at its size while a fleet is discovered and
 * journalled. V8 doubles a thread's new space (up to 32 MB) each time the bytes that survived its
 * scavenges since it last grew exceed its size, and it never shrinks back while the thread is
 * busy: building 10,000 targets and their journal rows (all alive to the end of the run) grew the
 * runner's new space to 32 MB, against 8 MB for 1,000, so the run's peak RSS rose with the number
 * of targets. Worker threads are capped at start (worker-pool.ts); the calling thread was sized
 * when the process started, so only the growth factor can be held, and only for that stretch
 * (the flag is read when V8 grows the space). A process started with its own factor keeps it.
 * The cost is more young collections while the window is open, in this process only.
 */
import { setFlagsFromString } from 'node:v8';

const FLAG = 'semi-space-growth-factor';
/** V8's default factor (flag-definitions.h), restored when the window closes. */
const V8_DEFAULT_FACTOR = 2;

export async function withoutYoungGrowth<T>(work: () => Promise<T>): Promise<T> {
  if (chosenByUser()) return work();
  try {
    setFlagsFromString(`--${FLAG}=1`);
  } catch {
    return work();
  }
  try {
    return await work();
  } finally {
    setFlagsFromString(`--${FLAG}=${V8_DEFAULT_FACTOR}`);
  }
}

function chosenByUser(): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return given.includes(FLAG) || given.includes(FLAG.replaceAll('-', '_'));
}
