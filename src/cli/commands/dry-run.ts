/** Prints a dry run's plan and every statement (and collects them for --json). */
import type { EventChannel } from '../../engine/events.js';
import { migrationLabel } from '../../model/migration.js';
import type { Output } from '../output.js';

interface PlannedStep {
  version: string;
  name: string;
  statements: { index: number; line: number; sql: string }[];
}

export function attachDryRunPrinter(events: EventChannel, output: Output): { plan: PlannedStep[] } {
  const plan: PlannedStep[] = [];
  events.on('plan', (e) => {
    for (const step of e.steps) plan.push({ ...step, statements: [] });
  });
  let current: PlannedStep | undefined;
  events.on('statement', (e) => {
    if (current?.version !== e.version) {
      current = plan.find((step) => step.version === e.version);
      output.line(`-- ${e.direction === 'up' ? 'apply' : 'revert'} ${migrationLabel(e)}`);
    }
    current?.statements.push({ index: e.index, line: e.line, sql: e.sql });
    output.line(`-- statement ${e.index} (line ${e.line})`);
    output.line(`${e.sql};`);
  });
  events.on('done', () => {
    for (const step of plan) {
      if (step.statements.length === 0) output.line(`-- ${migrationLabel(step)}: a code migration (or an empty one); its SQL is known only when it runs`);
    }
  });
  return { plan };
}
