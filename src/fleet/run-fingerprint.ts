/**
 * A fleet run's fingerprint: the sorted target ids and every migrations folder's files (names
 * and contents). A resumed run must have the same one: resuming with a new migration, or with
 * other targets, would finish a rollout that is not the one the journal describes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetTarget } from './fleet-state.js';

export function runFingerprint(targets: readonly FleetTarget[]): string {
  const hash = createHash('sha256');
  for (const id of targets.map((t) => t.id).sort()) hash.update(`target\0${id}\0`);
  for (const dir of [...new Set(targets.map((t) => t.dir))].sort()) {
    // Not the folder's path: runners on machines with other checkout paths join the same run.
    hash.update('dir\0');
    for (const file of filesOf(dir))
      hash
        .update(`${file}\0`)
        .update(readFileSync(join(dir, file)))
        .update('\0');
  }
  return hash.digest('hex');
}

function filesOf(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => statSync(join(dir, file)).isFile())
      .sort();
  } catch {
    // A missing folder fails each target with MIGRATIONS_DIR_MISSING, which says it better.
    return [];
  }
}
