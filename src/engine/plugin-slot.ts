/**
 * The Migrator's plugins, held and called in the order they were added: events go to each
 * plugin's onEvent, the plan to each inspect (errors stop the run), the status report through
 * each onStatus, and close to each onClose once.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { EngineEvents, EventChannel } from './events.js';
import type { InspectedPlan, MigratorPlugin, PlanFinding } from './plugin.js';
import type { StatusReport } from './reports.js';

export class PluginSlot<Ctx> {
  private readonly plugins: MigratorPlugin<Ctx>[] = [];
  private closed = false;

  constructor(private readonly events: EventChannel<EngineEvents>) {}

  add(plugin: MigratorPlugin<Ctx>): void {
    if (!plugin || typeof plugin.name !== 'string' || !plugin.name) {
      throw new StrataError(ErrorCode.USAGE, 'a migrator plugin needs a name', { hint: "give it one: { name: 'my-plugin', inspect(plan) { ... } }" });
    }
    this.plugins.push(plugin);
    if (plugin.onEvent) this.events.onAny((event, payload) => plugin.onEvent!(event, payload));
  }

  /** Whether any plugin inspects plans: without one, runs load and plan nothing extra. */
  get inspects(): boolean {
    return this.plugins.some((p) => p.inspect);
  }

  /** Every plugin's findings on the plan; throws PLAN_REJECTED on an error, emits the warnings. */
  async inspect(plan: InspectedPlan<Ctx>): Promise<void> {
    const findings: PlanFinding[] = [];
    for (const plugin of this.plugins) {
      if (!plugin.inspect) continue;
      for (const finding of (await plugin.inspect(plan)) ?? []) findings.push({ ...finding, plugin: plugin.name });
    }
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length) {
      const shown = errors.slice(0, 3).map(describe).join('; ');
      throw new StrataError(
        ErrorCode.PLAN_REJECTED,
        `the ${plan.direction === 'up' ? 'migration' : 'rollback'} plan was rejected before anything ran: ${shown}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`,
        {
          hint: errors[0]!.hint ?? 'fix what the findings name and run again (details.findings lists every one)',
          details: { findings },
        },
      );
    }
    if (findings.length) this.events.emit('plan:warnings', { direction: plan.direction, dryRun: plan.dryRun, warnings: findings });
  }

  /** The report with every plugin's fields added after its own. */
  async status(report: StatusReport): Promise<StatusReport> {
    for (const plugin of this.plugins) {
      const fields = await plugin.onStatus?.(report);
      if (!fields) continue;
      const taken = Object.keys(fields).filter((key) => key in report);
      if (taken.length) {
        throw new StrataError(
          ErrorCode.USAGE,
          `plugin ${plugin.name} adds ${taken.join(', ')} to the status report, which already has ${taken.length > 1 ? 'them' : 'it'}`,
          {
            hint: 'give the fields a plugin adds names of their own',
          },
        );
      }
      Object.assign(report, fields);
    }
    return report;
  }

  /** Each plugin's onClose, once, all of them even when one fails (the first failure is thrown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let failure: { error: unknown } | undefined;
    for (const plugin of this.plugins) {
      try {
        await plugin.onClose?.();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}

function describe(finding: PlanFinding): string {
  const where = finding.file ?? finding.version;
  return `${where ? `${where}${finding.line === undefined ? '' : `:${finding.line}`}: ` : ''}${finding.message} (${finding.plugin}/${finding.rule})`;
}
