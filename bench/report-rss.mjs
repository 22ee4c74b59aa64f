/**
 * Preloaded with `node --import ./bench/report-rss.mjs ...` in the (separate, untimed) memory
 * runs: prints the process's peak RSS in KiB to stderr as it exits, whatever the program is.
 * Worker threads inherit the preload: only the main thread prints, once, as the process exits
 * (a thread that ended first would print the process's peak so far, and be read instead).
 */
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  process.on('exit', () => {
    writeSync(2, `\nbench-max-rss-kib=${process.resourceUsage().maxRSS}\n`);
  });
}
