/** Prints a dry run's plan and every statement (and collects them for --json). */
import type { EngineEvents, EventChannel } from 'strata-migrate';
import { migrationLabel } from 'strata-migrate';
import type { Output } from '../output.js';

interface PlannedStep {
  version: string;
  name: string;
  statements: { index: number; line: number; sql: string }[];
}

/**
 * Steps print in plan order. A code migration (or an empty one) emits no statements, so it is
 * printed when the run reaches a later step's first statement, or at the end: printing all of
 * them at the end put code steps after every SQL step, out of the order they would run in.
 */
export function attachDryRunPrinter(events: EventChannel<EngineEvents>, output: Output): { plan: PlannedStep[] } {
  const plan: PlannedStep[] = [];
  events.on('plan', (e) => {
    for (const step of e.steps) plan.push({ ...step, statements: [] });
  });
  let printed = 0;
  /** Prints the steps before plan[upTo] not printed yet: they had no statements. */
  const printSilentSteps = (upTo: number) => {
    for (; printed < upTo; printed++)
      output.line(`-- ${migrationLabel(plan[printed]!)}: a code migration (or an empty one); its SQL is known only when it runs`);
  };
  let current: PlannedStep | undefined;
  events.on('statement', (e) => {
    if (current?.version !== e.version) {
      const at = plan.findIndex((step) => step.version === e.version);
      if (at >= 0) {
        printSilentSteps(at);
        printed = at + 1;
      }
      current = plan[at];
      output.line(`-- ${e.direction === 'up' ? 'apply' : 'revert'} ${migrationLabel(e)}`);
    }
    current?.statements.push({ index: e.index, line: e.line, sql: e.sql });
    output.line(`-- statement ${e.index} (line ${e.line})`);
    output.line(`${e.sql};`);
  });
  events.on('done', () => printSilentSteps(plan.length));
  return { plan };
}
