/** What `adopt` reports while it works, on the migrator's event channel (an app's window, the CLI). */
export interface AdoptEvents {
  /** The tool's ledger was read. */
  'adopt:read': { tool: string; source: string; steps: number };
  /** The ledger was checked against the folder: every step has its file, stored checksums hold. */
  'adopt:checked': { tool: string; dir: string | null; steps: number; checksumsVerified: number; pending: number };
  /** Strata's ledger rows were written (or, in a dry run, would be). */
  'adopt:done': { tool: string; dryRun: boolean; written: number; alreadyAdopted: boolean; durationMs: number };
}
