/**
 * PreferencesImporter: electron-store config + Redux settings -> `preference`, through the
 * mapping file. Small (tens of keys), so one transaction and no batching: it implements the
 * Importer interface directly rather than through tableImporter.
 */
import type { Importer, ImportContext, KeyValueSource } from 'strata-migrate/import';
import { ELECTRON_STORE_MAPPINGS, REDUX_STORE_MAPPINGS, type PreferenceMapping } from '../mappings/preferences-mappings.js';
import type { LegacySources } from '../types.js';

interface Resolved {
  targetKey: string;
  /** undefined: no value in the source and no default: skipped. */
  value: unknown;
  from: string;
}

function resolveAll(sources: LegacySources): Resolved[] {
  const out: Resolved[] = [];
  const pick = (source: KeyValueSource, path: string, m: PreferenceMapping, from: string) => {
    let value = source.has(path) ? source.get(path) : undefined;
    if (value !== undefined && m.transform) value = m.transform(value);
    if (value === undefined) value = m.defaultValue;
    out.push({ targetKey: m.targetKey, value, from });
  };
  for (const m of ELECTRON_STORE_MAPPINGS) pick(sources.config, m.originalKey, m, `config:${m.originalKey}`);
  for (const [slice, mappings] of Object.entries(REDUX_STORE_MAPPINGS)) {
    for (const m of mappings) pick(sources.redux, `${slice}.${m.originalKey}`, m, `redux:${slice}.${m.originalKey}`);
  }
  return out;
}

export const preferencesImporter: Importer<LegacySources> = {
  id: 'preferences',
  name: 'Preferences',
  description: 'electron-store config and Redux settings -> preference (PreferencesMappings)',
  order: 10,
  tables: ['preference'],
  source: 'config + redux:settings',
  prepare(ctx) {
    const resolved = resolveAll(ctx.sources);
    const targets = new Set<string>();
    const warnings: string[] = [];
    for (const r of resolved) {
      if (targets.has(r.targetKey)) return { sourceCount: resolved.length, canRun: false, reason: `two mappings write the preference ${r.targetKey}` };
      targets.add(r.targetKey);
    }
    const missing = resolved.filter((r) => r.value === undefined).map((r) => r.from);
    if (missing.length) warnings.push(`no value and no default, skipped: ${missing.join(', ')}`);
    if (ctx.sources.redux.version !== -1 && ctx.sources.redux.version < 50)
      warnings.push(`redux state version ${ctx.sources.redux.version} is older than the mappings expect`);
    return { sourceCount: resolved.length, warnings };
  },
  execute(ctx: ImportContext<LegacySources>) {
    const resolved = resolveAll(ctx.sources);
    const insert = ctx.db.prepare('INSERT INTO preference (scope, key, value) VALUES (?, ?, ?)');
    ctx.db.transaction(() => {
      for (const r of resolved) if (r.value !== undefined) insert.run('default', r.targetKey, JSON.stringify(r.value));
    })();
    ctx.reportProgress({ done: resolved.length, total: resolved.length });
  },
  validate(ctx) {
    const resolved = resolveAll(ctx.sources);
    const skipped = resolved.filter((r) => r.value === undefined).length;
    const targetCount = ctx.db.prepare("SELECT count(*) FROM preference WHERE scope = 'default'").pluck().get() as number;
    const errors: string[] = [];
    // Values read back must be the mapped ones.
    const read = ctx.db.prepare("SELECT value FROM preference WHERE scope = 'default' AND key = ?").pluck();
    for (const r of resolved) {
      if (r.value === undefined) continue;
      const stored = read.get(r.targetKey) as string | undefined;
      if (stored !== JSON.stringify(r.value))
        errors.push(`preference ${r.targetKey} is ${stored ?? 'missing'}, expected ${JSON.stringify(r.value)} (from ${r.from})`);
    }
    return { sourceCount: resolved.length, targetCount, skippedCount: skipped, errors };
  },
};
