/**
 * The dual-read compatibility layer: reads return identical results before, during and after a
 * progressive migration (property-style, over many keys and random batch orders), writes during
 * the window win over the migration, and cleanupLegacy refuses until the window is over, every
 * key is migrated and a backup exists.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isStrataError } from '../src/model/errors.js';
import { CompatibilityLayer, type CompatBackend } from '../src/progressive/compat.js';

interface LegacyItem {
  item_name: string;
  created_at: string;
  is_favorite?: boolean;
  tags?: string;
}
interface NewItem {
  name: string;
  createdAt: string;
  favorite: boolean;
  tags: string[];
}

const toNew = (legacy: LegacyItem): NewItem => ({
  name: legacy.item_name,
  createdAt: legacy.created_at,
  favorite: legacy.is_favorite ?? false,
  tags: legacy.tags ? legacy.tags.split(',') : [],
});

/** A Map behind the backend, values copied in and out (as a real store would). */
function mapBackend(map = new Map<string, unknown>()): CompatBackend & { map: Map<string, unknown>; sets: number } {
  const backend = {
    map,
    sets: 0,
    get: (key: string) => structuredClone(map.get(key)),
    set(entries: ReadonlyArray<readonly [string, unknown]>) {
      backend.sets++;
      for (const [key, value] of entries) map.set(key, structuredClone(value));
    },
    remove: (key: string) => void map.delete(key),
  };
  return backend;
}

/** Deterministic PRNG (mulberry32): failures reproduce from the seed printed in the message. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function legacyData(count: number, random: () => number): Map<string, LegacyItem> {
  const items = new Map<string, LegacyItem>();
  for (let i = 0; i < count; i++) {
    const item: LegacyItem = {
      item_name: `item ${i} ${'"x",'.repeat(Math.floor(random() * 3))}`,
      created_at: new Date(1_700_000_000_000 + Math.floor(random() * 1e10)).toISOString(),
    };
    if (random() < 0.5) item.is_favorite = random() < 0.5;
    if (random() < 0.5) item.tags = ['a', 'b', 'c'].slice(0, 1 + Math.floor(random() * 3)).join(',');
    items.set(`item:${i}`, item);
  }
  return items;
}

async function openLayer(backend: CompatBackend, keys: string[], extra: { backupExists?: () => boolean; now?: () => number } = {}) {
  return CompatibilityLayer.open<NewItem, LegacyItem>({
    backend,
    keys: () => keys,
    transform: toNew,
    newKey: (key) => `v2:${key}`,
    // Two legacy names: older builds wrote `old_<key>`, later ones `legacy:<key>`.
    legacyKeys: (key) => [`legacy:${key}`, `old_${key}`],
    ...extra,
  });
}

describe('CompatibilityLayer: dual reads', () => {
  for (const seed of [1, 2, 3, 42, 20250101]) {
    it(`reads are identical before, during and after a progressive migration (seed ${seed})`, async () => {
      const random = rng(seed);
      const legacy = legacyData(300, random);
      const backend = mapBackend();
      for (const [key, item] of legacy) backend.map.set(random() < 0.2 ? `old_${key}` : `legacy:${key}`, item);
      const keys = [...legacy.keys(), 'item:missing'];
      let backedUp = false;
      const layer = await openLayer(backend, keys, { backupExists: () => backedUp });
      const expected = new Map<string, NewItem | undefined>([...legacy].map(([k, v]) => [k, toNew(v)]));
      expected.set('item:missing', undefined);
      const readAll = async () => Promise.all(keys.map(async (k) => [k, await layer.get(k)] as const));
      const check = async (phase: string) => {
        for (const [key, value] of await readAll()) assert.deepEqual(value, expected.get(key), `${phase}: ${key} (seed ${seed})`);
      };

      await check('before');
      assert.equal(backend.map.size, legacy.size, 'reads write nothing');
      await layer.setDualReadMode(true, 60_000);
      const order = shuffle(keys, random);
      for (let at = 0; at < order.length; ) {
        const size = 1 + Math.floor(random() * 60);
        const result = await layer.migrate(order.slice(at, at + size));
        assert.equal(result.skipped, 0);
        at += size;
        await check(`during (${at}/${order.length})`);
        // A layer opened afresh (another tab, a restart) reads the same and knows what is migrated.
        const reopened = await openLayer(backend, keys);
        for (const key of order.slice(0, at)) assert.ok(reopened.isMigrated(key), key);
        for (const key of order.slice(at)) assert.ok(!reopened.isMigrated(key), key);
      }
      const stats = await layer.getMigrationStats();
      assert.equal(stats.migrated, keys.length);
      assert.equal(stats.pending, 0);
      assert.equal(stats.percent, 100);
      assert.ok(stats.reads.legacy > 0 && stats.reads.new > 0);
      // Migrating again changes nothing.
      assert.deepEqual(await layer.migrate(keys), { migrated: 0, skipped: keys.length, missing: 0 });

      await layer.setDualReadMode(false);
      await check('after, window closed');
      backedUp = true;
      const { removed } = await layer.cleanupLegacy();
      assert.equal(removed.length, legacy.size);
      assert.ok(![...backend.map.keys()].some((k) => k.startsWith('legacy:') || k.startsWith('old_')));
      await check('after cleanup');
    });
  }

  it('falls back to legacy data only while the window is open', async () => {
    let now = 1_000_000;
    const backend = mapBackend(new Map([['legacy:a', { item_name: 'A', created_at: '2024-01-01T00:00:00.000Z' }]]));
    const layer = await openLayer(backend, ['a'], { now: () => now });
    assert.equal((await layer.get('a'))?.name, 'A', 'dual-read is on by default');
    await layer.setDualReadMode(true, 5_000);
    assert.equal(layer.isDualReadActive(), true);
    assert.equal((await layer.getMigrationStats()).dualRead.until, new Date(1_005_000).toISOString());
    now += 5_001;
    assert.equal(layer.isDualReadActive(), false);
    assert.equal(await layer.get('a'), undefined, 'after the window only the new format is read');
    await layer.setDualReadMode(true);
    assert.equal((await layer.get('a'))?.name, 'A');
    await assert.rejects(layer.setDualReadMode(true, -1), (e: unknown) => isStrataError(e) && e.code === ErrorCode.USAGE);
  });
});

describe('CompatibilityLayer: writes during the window', () => {
  it('a write goes to the new format, marks the key, and the progressive migration does not overwrite it', async () => {
    const random = rng(7);
    const legacy = legacyData(50, random);
    const backend = mapBackend();
    for (const [key, item] of legacy) backend.map.set(`legacy:${key}`, item);
    const keys = [...legacy.keys()];
    const layer = await openLayer(backend, keys);
    await layer.setDualReadMode(true, 60_000);
    const written = new Map<string, NewItem>();
    for (const key of shuffle(keys, random).slice(0, 15)) {
      const value: NewItem = { name: `edited ${key}`, createdAt: '2025-01-01T00:00:00.000Z', favorite: true, tags: ['edited'] };
      await layer.set(key, value);
      written.set(key, value);
      assert.ok(layer.isMigrated(key));
      assert.deepEqual(backend.map.get(`v2:${key}`), value);
      assert.ok(backend.map.has(`legacy:${key}`), 'the legacy value stays until cleanup');
    }
    assert.equal((await layer.getMigrationStats()).migrated, 15);
    assert.equal((await layer.getMigrationStats()).writes, 15);
    // The migration walks every key in batches; keys written meanwhile are skipped.
    for (let at = 0; at < keys.length; at += 10) {
      const batch = keys.slice(at, at + 10);
      // A write that lands between the batches, to a key not migrated yet.
      const late = keys[at + 15];
      if (late && !layer.isMigrated(late)) {
        const value: NewItem = { name: `late ${late}`, createdAt: '2025-02-01T00:00:00.000Z', favorite: false, tags: [] };
        await layer.set(late, value);
        written.set(late, value);
      }
      await layer.migrate(batch);
    }
    for (const key of keys) assert.deepEqual(await layer.get(key), written.get(key) ?? toNew(legacy.get(key)!), key);
  });

  it('a value written in the new format but not marked (crash between value and mark) is only marked', async () => {
    const backend = mapBackend(
      new Map<string, unknown>([
        ['legacy:a', { item_name: 'old', created_at: '2024-01-01T00:00:00.000Z' }],
        ['v2:a', { name: 'new', createdAt: '2024-06-01T00:00:00.000Z', favorite: false, tags: [] }],
      ]),
    );
    const layer = await openLayer(backend, ['a']);
    assert.equal(layer.isMigrated('a'), false);
    assert.equal((await layer.get('a'))?.name, 'new');
    assert.deepEqual(await layer.migrate(['a']), { migrated: 1, skipped: 0, missing: 0 });
    assert.equal((await layer.get('a'))?.name, 'new');
    assert.ok(layer.isMigrated('a'));
  });

  it('isNew tells the formats apart when both live under the same key', async () => {
    const backend = mapBackend(new Map<string, unknown>([['k', { item_name: 'in place', created_at: '2024-01-01T00:00:00.000Z' }]]));
    const layer = await CompatibilityLayer.open<NewItem, LegacyItem>({
      backend,
      keys: () => ['k'],
      transform: toNew,
      newKey: (key) => key,
      legacyKeys: (key) => key,
      isNew: (value) => typeof (value as NewItem).name === 'string',
    });
    assert.equal((await layer.get('k'))?.name, 'in place');
    await layer.migrate(['k']);
    assert.deepEqual(backend.map.get('k'), toNew({ item_name: 'in place', created_at: '2024-01-01T00:00:00.000Z' }));
    assert.equal((await layer.get('k'))?.name, 'in place');
  });
});

describe('CompatibilityLayer: cleanupLegacy', () => {
  async function setup() {
    const backend = mapBackend();
    const keys = ['a', 'b', 'c'];
    for (const key of keys) backend.map.set(`legacy:${key}`, { item_name: key, created_at: '2024-01-01T00:00:00.000Z' });
    let backup = false;
    const layer = await openLayer(backend, keys, { backupExists: () => backup });
    return { backend, keys, layer, setBackup: (value: boolean) => (backup = value) };
  }

  it('refuses while the window is open, while keys remain, and without a backup; removes nothing', async () => {
    const { backend, layer, setBackup } = await setup();
    const before = structuredClone([...backend.map]);
    await layer.setDualReadMode(true, 60_000);
    await assert.rejects(layer.cleanupLegacy(), (e: unknown) => isStrataError(e) && e.code === ErrorCode.COMPAT_WINDOW_OPEN && /until/.test(e.message));
    await layer.setDualReadMode(false);
    await layer.migrate(['a']);
    await assert.rejects(layer.cleanupLegacy(), (e: unknown) => {
      assert.ok(isStrataError(e));
      assert.equal(e.code, ErrorCode.COMPAT_LEGACY_REMAINING);
      assert.deepEqual(e.details.remaining, ['b', 'c']);
      assert.match(e.message, /2 of 3 key\(s\) are not migrated: b, c/);
      return true;
    });
    await layer.migrate(['b', 'c']);
    await assert.rejects(layer.cleanupLegacy(), (e: unknown) => isStrataError(e) && e.code === ErrorCode.COMPAT_BACKUP_MISSING);
    for (const [key, value] of before) if (key.startsWith('legacy:')) assert.deepEqual(backend.map.get(key), value, `${key} kept`);
    setBackup(true);
    const { removed } = await layer.cleanupLegacy();
    assert.deepEqual(removed.sort(), ['legacy:a', 'legacy:b', 'legacy:c']);
    const stats = await layer.getMigrationStats();
    assert.equal(stats.cleanedUp, true);
    assert.equal(stats.dualRead.active, false);
    for (const key of ['a', 'b', 'c']) assert.equal((await layer.get(key))?.name, key);
  });

  it('refuses without a backupExists check at all', async () => {
    const backend = mapBackend(new Map([['legacy:a', { item_name: 'a', created_at: '2024-01-01T00:00:00.000Z' }]]));
    const layer = await openLayer(backend, ['a']);
    await layer.migrate(['a']);
    await layer.setDualReadMode(false);
    await assert.rejects(layer.cleanupLegacy(), (e: unknown) => isStrataError(e) && e.code === ErrorCode.COMPAT_BACKUP_MISSING);
    assert.ok(backend.map.has('legacy:a'));
  });
});
