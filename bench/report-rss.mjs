/**
 * Preloaded with `node --import ./bench/report-rss.mjs ...` in the (separate, untimed) memory
 * runs: prints the process's peak RSS in KiB to stderr as it exits, whatever the program is.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `\nbench-max-rss-kib=${process.resourceUsage().maxRSS}\n`);
});
