/**
 * Takes typeson's `$types` maps out of a stretch of Dexie rows before it is parsed, so that the
 * thread that parses it builds no `$types` object per row and deletes no property (measured here:
 * ~0.2 us a row of the inserting thread's JSON.parse and revive on the bench's rows, one Date
 * each). The parse worker runs this on its idle time; the reading thread gives each map back to
 * its row (restoreTypes) as if the row had been parsed whole.
 *
 * Only a row of the exact shape exportDB writes is touched: an object whose last key, written
 * once, without escapes and without whitespace around it, is `"$types"` with an object value.
 * Any other row (no map, a map elsewhere, pretty-printed JSON...) is left as it is and revived
 * from its own `$types` as before. The text is scanned exactly (strings, escapes, nesting), so a
 * `"$types"` inside a string or a nested object is never taken.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const TYPES_KEY = ',"$types":{';

export interface SplitTypes {
  /** The stretch without the maps taken out. */
  text: string;
  /** The distinct maps taken out, as JSON text. */
  maps: string[];
  /** Per row of the stretch: the index in `maps` of its map, or -1 (the row kept its own). */
  rowMaps: Int32Array;
}

/** Where string `text`'s string starting at `open` (its `"`) ends (its closing `"`), or -1. */
function stringEnd(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1) {
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
  return -1;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === BACKSLASH) return true;
  return false;
}

/**
 * `text` is `[` + rows + `]` (a stretch cut at `},{`). Returns it with each eligible row's map
 * taken out, or null when no row has one to take (or the text is not what a stretch should be:
 * then it is parsed as it is, and fails there if it is not JSON).
 */
export function splitTypes(text: string): SplitTypes | null {
  if (!text.includes(TYPES_KEY)) return null;
  const parts: string[] = [];
  const maps: string[] = [];
  const mapIndex = new Map<string, number>();
  const rowMaps: number[] = [];
  let copied = 0;
  let taken = 0;
  let pos = 1;
  const end = text.length - 1;
  if (text.charCodeAt(0) !== OPEN_ARRAY || text.charCodeAt(end) !== CLOSE_ARRAY) return null;
  while (pos < end) {
    if (text.charCodeAt(pos) !== OPEN_OBJECT) return null;
    // The row: find its end exactly, noting its top-level `"$types"` keys.
    let depth = 0;
    let keyNext = true;
    let typesCount = 0;
    let escapedKey = false;
    let typesAt = -1; // the `,` before `"$types"`
    let mapStart = -1;
    let mapEnd = -1; // after the map's `}`
    let lastComma = -1;
    let i = pos;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        const close = stringEnd(text, i);
        if (close === -1) return null;
        if (depth === 1 && keyNext) {
          if (close - i === 7 && text.startsWith('"$types"', i)) {
            typesCount++;
            typesAt = text.charCodeAt(i - 1) === COMMA ? i - 1 : -1;
            mapStart = text.charCodeAt(close + 1) === COLON && text.charCodeAt(close + 2) === OPEN_OBJECT ? close + 2 : -1;
            mapEnd = -1;
          } else if (!escapedKey) escapedKey = hasBackslash(text, i + 1, close);
        }
        keyNext = false;
        i = close;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        if (depth === 1) keyNext = true;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === 1 && i + 1 > mapStart && mapStart !== -1 && mapEnd === -1) mapEnd = i + 1;
        if (depth === 0) break;
      } else if (c === COMMA && depth === 1) {
        keyNext = true;
        lastComma = i;
      }
    }
    if (depth !== 0) return null;
    const rowEnd = i; // the row's `}`
    // One `"$types"`, written as exportDB writes it: the last key, its object map ending the row.
    if (typesCount === 1 && !escapedKey && typesAt !== -1 && typesAt === lastComma && mapStart !== -1 && mapEnd === rowEnd) {
      const map = text.slice(mapStart, mapEnd);
      let index = mapIndex.get(map);
      if (index === undefined) {
        index = maps.length;
        maps.push(map);
        mapIndex.set(map, index);
      }
      rowMaps.push(index);
      parts.push(text.slice(copied, typesAt));
      copied = rowEnd;
      taken++;
    } else rowMaps.push(-1);
    pos = rowEnd + 1;
    if (pos < end) {
      if (text.charCodeAt(pos) !== COMMA) return null;
      pos++;
    }
  }
  if (taken === 0) return null;
  parts.push(text.slice(copied));
  return { text: parts.join(''), maps, rowMaps: Int32Array.from(rowMaps) };
}
