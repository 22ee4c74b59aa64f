/**
 * What every migration run reports, whatever the store: the SQL engine's RunReport and the
 * document migrator's DocumentRunReport both extend RunOutcome. Results are data, never log lines.
 */

export type Direction = 'up' | 'down';

/** What a finished or attempted step looks like. */
export interface StepResult {
  version: string;
  name: string;
  direction: Direction;
  status: 'applied' | 'reverted' | 'failed' | 'planned';
  durationMs: number;
}

export interface RunOutcome {
  direction: Direction;
  results: StepResult[];
  durationMs: number;
}
