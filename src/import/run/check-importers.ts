/** The importers a run is given, checked before anything else: each complete, no id twice. */
import { ErrorCode, StrataError } from '../../model/errors.js';
import type { Importer } from '../types.js';

export function checkImporters(importers: readonly Importer<any>[]): void {
  const seen = new Set<string>();
  for (const importer of importers) {
    for (const method of ['prepare', 'execute', 'validate'] as const) {
      if (typeof importer[method] !== 'function') {
        throw new StrataError(ErrorCode.CONFIG_INVALID, `importer "${importer.id}" has no ${method}()`, {
          hint: 'an importer needs id, name, order, prepare, execute and validate (tableImporter() makes one)',
        });
      }
    }
    if (seen.has(importer.id))
      throw new StrataError(ErrorCode.CONFIG_INVALID, `two importers have the id "${importer.id}"`, { hint: 'give each importer its own id' });
    seen.add(importer.id);
  }
}
