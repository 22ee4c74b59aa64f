/**
 * SHA-256 of a string as lowercase hex: the one hash behind migration checksums, schema
 * fingerprints and stamps. A module of its own so the browser build can put a Node-free
 * implementation in its place (src/browser/seams/sha256.ts, same hex for the same text)
 * without touching what Node runs.
 */
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
