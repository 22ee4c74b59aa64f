/**
 * Cloudflare D1's migrations folder as wrangler writes it
 * (https://developers.cloudflare.com/d1/reference/migrations/): `0001_<name>.sql` plain files,
 * up only, no sections (a `-- migrate:down` line is a comment to D1, so it is one here). Never
 * detected (the names are Strata's own): name it with `format: 'd1'`.
 */
import { canonicalVersion } from '../../model/version.js';
import { parsePlainSql } from '../sql/parse-sql-migration.js';
import { namesInvalid } from './format-errors.js';
import type { FormatStep, MigrationFormat } from './format.js';

const FILE = /^(\d+)_(.+)\.sql$/;

export const d1Format: MigrationFormat = {
  name: 'd1',
  title: 'D1',
  signature: () => [],
  read(folder) {
    const steps: FormatStep[] = [];
    const bad: string[] = [];
    for (const entry of folder.entries) {
      if (entry.startsWith('_') || !entry.endsWith('.sql') || folder.isDirectory(entry)) continue;
      const match = FILE.exec(entry);
      if (!match) {
        bad.push(folder.display(entry));
        continue;
      }
      steps.push({
        version: canonicalVersion(match[1]!),
        name: match[2]!,
        file: { path: entry, display: folder.display(entry), text: folder.text(entry) },
        parse: (text, _down, syntax) => ({ up: parsePlainSql(text, syntax), down: undefined }),
      });
    }
    if (bad.length) throw namesInvalid(d1Format, bad, '<number>_<name>.sql');
    return steps;
  },
};
