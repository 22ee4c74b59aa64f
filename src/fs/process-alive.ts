/**
 * Whether a process of this machine still runs: how lock files, temp files and run records
 * left by a killed process are told from those of a live one. EPERM means it runs as another
 * user; only ESRCH says it is gone.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
