/**
 * What every migration run reports, whatever the store: the SQL engine's RunReport and the
 * document migrator's DocumentRunReport both extend RunOutcome. Results are data, never log lines.
 */
import type { StepResult } from './errors.js';

export type Direction = 'up' | 'down';

export interface RunOutcome {
  direction: Direction;
  results: StepResult[];
  durationMs: number;
}
