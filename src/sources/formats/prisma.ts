/**
 * Prisma Migrate's folder, read in place (https://www.prisma.io/docs/orm/prisma-migrate):
 * `prisma/migrations/<timestamp>_<name>/migration.sql` beside `migration_lock.toml`. Up only
 * (Prisma has no downs); each script runs as written, in Strata's transaction.
 */
import { createHash } from 'node:crypto';
import { canonicalVersion } from '../../model/version.js';
import { parsePlainSql } from '../sql/parse-sql-migration.js';
import { malformed, namesInvalid } from './format-errors.js';
import type { FolderView, FormatStep, MigrationFormat } from './format.js';

const LOCK_FILE = 'migration_lock.toml';
const MIGRATION_DIR = /^(\d+)_(.+)$/;
const SCRIPT = 'migration.sql';

export const prismaFormat: MigrationFormat = {
  name: 'prisma',
  title: 'Prisma',
  // A loop, not a closure made per call: it runs over every entry on every read (see folder-source.ts).
  signature(folder) {
    const found: string[] = [];
    for (const entry of folder.entries) {
      if (entry === LOCK_FILE || (MIGRATION_DIR.test(entry) && folder.isDirectory(entry) && folder.exists(`${entry}/${SCRIPT}`))) found.push(entry);
    }
    return found;
  },
  read(folder) {
    const steps: FormatStep[] = [];
    const bad: string[] = [];
    for (const entry of folder.entries) {
      if (entry === LOCK_FILE || entry.startsWith('_')) continue;
      const match = MIGRATION_DIR.exec(entry);
      if (!folder.isDirectory(entry)) {
        // Prisma passes over other files (a README); a SQL file here is a migration in the wrong place.
        if (entry.endsWith('.sql')) bad.push(folder.display(entry));
        continue;
      }
      if (!match) {
        bad.push(folder.display(entry));
        continue;
      }
      const path = `${entry}/${SCRIPT}`;
      if (!folder.exists(path)) {
        throw malformed(folder.display(entry), `a Prisma migration folder without ${SCRIPT}`, `add its ${SCRIPT}, or remove the folder`);
      }
      steps.push(scriptStep(folder, path, canonicalVersion(match[1]!), match[2]!));
    }
    if (bad.length) throw namesInvalid(prismaFormat, bad, '<timestamp>_<name>/migration.sql folders');
    return steps;
  },
};

function scriptStep(folder: FolderView, path: string, version: string, name: string): FormatStep {
  return {
    version,
    name,
    file: { path, display: folder.display(path), text: folder.text(path) },
    parse: (text, _down, syntax) => ({ up: parsePlainSql(text, syntax), down: undefined }),
  };
}

/**
 * Prisma's checksum of a migration.sql, as `_prisma_migrations.checksum` stores it: the sha256 of
 * the script, in lower-case hex (prisma-engines, schema-engine/core checksum.rs).
 */
export function prismaChecksum(contents: Buffer | string): string {
  return createHash('sha256').update(contents).digest('hex');
}

/**
 * Whether a stored Prisma checksum matches the script as Prisma decides it: the script as it is,
 * with CRLF turned to LF, or LF to CRLF (a checkout on another system), and the unpadded hex an
 * older Prisma wrote (prisma-engines issue 1887).
 */
export function prismaChecksumMatches(contents: Buffer | string, stored: string): boolean {
  const script = typeof contents === 'string' ? contents : contents.toString('utf8');
  const candidates = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
  return candidates.some((candidate) => {
    const digest = createHash('sha256').update(candidate).digest();
    const rendered = stored.length !== 0 && stored.length !== 64 ? [...digest].map((byte) => byte.toString(16)).join('') : digest.toString('hex');
    return rendered === stored;
  });
}
