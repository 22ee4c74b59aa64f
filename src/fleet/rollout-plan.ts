/**
 * The shape of a rollout, as numbers: where each stage ends (canary first, then the stages,
 * cumulative), how many failures halt it, and which targets `only` / `exclude` keep. Pure:
 * tested on its own, checked before anything is opened.
 */
import { ErrorCode, StrataError } from '../model/errors.js';
import type { FleetTarget } from './fleet-state.js';

function usage(message: string, hint: string): StrataError {
  return new StrataError(ErrorCode.USAGE, message, { hint });
}

/** `10` or `10%` of `total`: a count (a percentage rounds up, so 1% of 50 is 1, never 0). */
function countOf(value: number | string, total: number, what: string, hint: string): number {
  const text = String(value).trim();
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  if (!match) throw usage(`${what} expects a number or a percentage, got '${text}'`, hint);
  const amount = Number(match[1]);
  if (match[2]) {
    if (amount <= 0 || amount > 100) throw usage(`${what}: ${text} is not a percentage from above 0 to 100`, hint);
    return Math.max(1, Math.ceil((total * amount) / 100));
  }
  if (!Number.isInteger(amount) || amount < 1) throw usage(`${what} expects a positive whole number, got '${text}'`, hint);
  return amount;
}

/**
 * Stage ends, ascending, the last one `total`. Stages are cumulative counts from the first
 * target: `canary` 5 and stages `1,10%,100%` over 200 targets give [5, 20, 200] (a stage ending
 * at or before the previous end adds nothing and is dropped).
 */
export function stageEnds(total: number, options: { canary?: number; stages?: string | readonly (number | string)[] }): number[] {
  const hint = "e.g. --stages 1,10%,100% (each stage's end, counted from the first target)";
  const given = typeof options.stages === 'string' ? options.stages.split(',').filter((s) => s.trim() !== '') : [...(options.stages ?? [])];
  const ends: number[] = [];
  if (options.canary !== undefined) {
    if (!Number.isInteger(options.canary) || options.canary < 1)
      throw usage(`--canary expects a positive whole number, got '${options.canary}'`, 'e.g. --canary 5');
    ends.push(Math.min(options.canary, total));
  }
  for (const stage of given) ends.push(Math.min(countOf(stage, total, '--stages', hint), total));
  ends.push(total);
  const kept: number[] = [];
  for (const end of ends) if (end > (kept.at(-1) ?? 0)) kept.push(end);
  return kept;
}

/** Failures that halt the rollout: `maxFailures` (N or N%), else 1 unless continueOnError (then none). */
export function failureLimit(total: number, options: { maxFailures?: number | string; continueOnError?: boolean }): number {
  if (options.maxFailures !== undefined) return countOf(options.maxFailures, total, '--max-failures', 'e.g. --max-failures 3 or --max-failures 5%');
  return options.continueOnError ? Number.POSITIVE_INFINITY : 1;
}

/** A glob over ids: `*` within a path segment, `**` across, `?` one character; anything else is literal. */
export function globPattern(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\#]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * `only` / `exclude`: ids or globs, matched against a target's id, its file name (the last part
 * of its path), its schema, or `group:NAME`. Excluded wins over only.
 */
export function selectTargets(targets: readonly FleetTarget[], only: readonly string[] = [], exclude: readonly string[] = []): FleetTarget[] {
  const matcher = (patterns: readonly string[]) => {
    const regexes = patterns
      .flatMap((p) => p.split(','))
      .map((p) => p.trim())
      .filter(Boolean)
      .map(globPattern);
    return (target: FleetTarget) => {
      const names = [
        target.id,
        target.id.split(/[\\/]/).at(-1)!,
        ...(target.schema ? [target.schema] : []),
        ...(target.group ? [`group:${target.group}`] : []),
      ];
      return regexes.some((re) => names.some((name) => re.test(name)));
    };
  };
  const included = only.length ? matcher(only) : () => true;
  const excluded = exclude.length ? matcher(exclude) : () => false;
  return targets.filter((t) => included(t) && !excluded(t));
}
