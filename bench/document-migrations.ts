/**
 * Document migrations on a ~100 MB JSON file (an array of chat/prompt records), three versions
 * up (rename a field; restructure nested objects; add a derived field), by:
 *
 *   limit          hand-written: readFile + JSON.parse + the three functions + JSON.stringify +
 *                  write a temp file + fsync + rename + fsync the directory
 *   strata         DocumentMigrator + jsonFileStore, defaults (lock file, a backup copy, history)
 *   strata-nobak   the same with backups: { keep: 0 } (the limit's work plus lock and history)
 *   rp             redux-persist 6 persistReducer + persistStore + createMigrate over a storage
 *                  whose getItem / setItem read and (atomically, as above) write the same kind of file,
 *                  in redux-persist's own double-encoded format
 *   rp-flat        the same with serialize: false / deserialize: false, so the file is encoded once
 *                  (the same bytes as the others, with `_persist` in place of the envelope)
 *
 * Every run is a child process of this script (`--child <tool> <file>`): it loads its modules,
 * times the migration in process, and reports the time and process.resourceUsage().maxRSS. Tools
 * are interleaved, in a rotated order each round; cells are medians over the rounds.
 *
 *   node --import tsx bench/document-migrations.ts [--mb 100] [--rounds 5] [--src] [--only strata,rp]
 *                                                  [--profile strata] [--keep]
 *
 * Strata comes from dist/document-node.js when it exists (as users run it), else from
 * src/document-node.ts through tsx; --src forces src/. Scratch files go to bench/.work/documents/.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const work = join(here, '.work', 'documents');

// ---- the data and the three migrations (shared by every tool) -------------------------------------

interface RecordV0 {
  id: string;
  user_name: string;
  created: number;
  model: string;
  prompt: { text: string; tokens: number };
  response: { text: string; tokens: number; finish_reason: string };
  tags: string[];
  meta: { temperature: number; top_p: number; latency_ms: number };
}
type State = { conversations: any[]; [key: string]: unknown };

/** v1: rename a field (`user_name` -> `author`). */
export function toV1(state: State): State {
  return { ...state, conversations: state.conversations.map(({ user_name, ...rest }) => ({ ...rest, author: user_name })) };
}

/** v2: restructure nested objects (prompt/response -> messages[], meta + model -> settings.sampling). */
export function toV2(state: State): State {
  return {
    ...state,
    conversations: state.conversations.map(({ prompt, response, meta, model, ...rest }) => ({
      ...rest,
      messages: [
        { role: 'user', content: prompt.text, tokens: prompt.tokens },
        { role: 'assistant', content: response.text, tokens: response.tokens, finishReason: response.finish_reason },
      ],
      settings: { model, sampling: { temperature: meta.temperature, topP: meta.top_p }, latencyMs: meta.latency_ms },
    })),
  };
}

/** v3: add derived fields (total tokens, ISO creation date). */
export function toV3(state: State): State {
  return {
    ...state,
    conversations: state.conversations.map((c) => ({
      ...c,
      totalTokens: c.messages.reduce((n: number, m: { tokens: number }) => n + m.tokens, 0),
      createdAt: new Date(c.created).toISOString(),
    })),
  };
}

const STEPS = [
  { version: 1, description: 'rename user_name to author', up: toV1 },
  { version: 2, description: 'prompt/response become messages; meta becomes settings.sampling', up: toV2 },
  { version: 3, description: 'derived totalTokens and createdAt', up: toV3 },
];

const WORDS =
  'the a model prompt answer token context window user assistant system function call json schema migrate version state store file record latency sample temperature stream cache vector embed search result error retry batch queue'.split(
    ' ',
  );

function generate(targetBytes: number): RecordV0[] {
  let seed = 42;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const text = (words: number) => Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
  const one = (k: number): RecordV0 => ({
    id: `conv-${k.toString(36).padStart(7, '0')}`,
    user_name: `user${Math.floor(rand() * 5000)}`,
    created: 1_700_000_000_000 + Math.floor(rand() * 3e10),
    model: ['gpt-4o', 'claude-3-5-sonnet', 'llama-3-70b'][k % 3]!,
    prompt: { text: text(40 + Math.floor(rand() * 40)), tokens: 40 + Math.floor(rand() * 200) },
    response: { text: text(80 + Math.floor(rand() * 80)), tokens: 80 + Math.floor(rand() * 400), finish_reason: rand() < 0.9 ? 'stop' : 'length' },
    tags: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => WORDS[Math.floor(rand() * WORDS.length)]!),
    meta: { temperature: Math.round(rand() * 100) / 100, top_p: Math.round(rand() * 100) / 100, latency_ms: Math.floor(rand() * 5000) },
  });
  const probe = Array.from({ length: 1000 }, (_, k) => one(k));
  const perRecord = JSON.stringify(probe).length / probe.length;
  const count = Math.max(1000, Math.round(targetBytes / perRecord));
  const records = probe;
  for (let k = probe.length; k < count; k++) records.push(one(k));
  return records;
}

// ---- the tools, each run in a child process ----------------------------------------------------

type Phases = Record<string, number>;
interface ChildResult {
  ms: number;
  /** user + system CPU time of the whole child while it migrated (GC and I/O threads included). */
  cpuMs: number;
  maxRssKiB: number;
  phases: Phases;
}

const ATOMIC_NOTE = 'temp + fsync + rename + directory fsync';

/** The same durable replace for the limit and the redux-persist storages (Strata's writeFileAtomic does the same). */
async function writeAtomic(path: string, contents: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(contents);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

function historyEntries(): { version: number; name: string; direction: 'up'; at: string }[] {
  return STEPS.map((s) => ({ version: s.version, name: s.description, direction: 'up', at: new Date().toISOString() }));
}

type Timed = { ms: number; cpuMs: number; phases: Phases };

/** With BENCH_PROFILE=<file>, the child CPU-profiles only the timed migration (not module loading). */
let profiler: Session | undefined;
async function begin(): Promise<void> {
  if (!process.env.BENCH_PROFILE) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
  await profiler.post('Profiler.start');
}

const cpuStart = () => process.cpuUsage();
const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

const children: Record<string, (file: string) => Promise<Timed>> = {
  async idle() {
    return { ms: 0, cpuMs: 0, phases: {} };
  },

  async limit(file) {
    await begin();
    const c0 = cpuStart();
    const t0 = performance.now();
    const text = await readFile(file, 'utf8');
    const t1 = performance.now();
    const doc = JSON.parse(text) as { version: number; data: State; history: unknown[] };
    const t2 = performance.now();
    if (doc.version !== 0) throw new Error(`limit: expected version 0, found ${doc.version}`);
    const data = toV3(toV2(toV1(doc.data)));
    const t3 = performance.now();
    const out = JSON.stringify({ version: 3, data, history: [...doc.history, ...historyEntries()] });
    const t4 = performance.now();
    await writeAtomic(file, out);
    const t5 = performance.now();
    return { ms: t5 - t0, cpuMs: cpuSince(c0), phases: { read: t1 - t0, parse: t2 - t1, steps: t3 - t2, stringify: t4 - t3, write: t5 - t4 } };
  },

  async strata(file) {
    return runStrata(file, true);
  },

  async 'strata-nobak'(file) {
    return runStrata(file, false);
  },

  async rp(file) {
    return runReduxPersist(file, false);
  },

  async 'rp-flat'(file) {
    return runReduxPersist(file, true);
  },
};

function strataEntry(): string {
  const dist = join(root, 'dist', 'document-node.js');
  return process.env.BENCH_STRATA_SRC === '1' || !existsSync(dist) ? join(root, 'src', 'document-node.ts') : dist;
}

async function runStrata(file: string, backups: boolean): Promise<Timed> {
  const strata = (await import(pathToFileURL(strataEntry()).href)) as typeof import('../src/document-node.js');
  const migrator = new strata.DocumentMigrator<State>({
    store: strata.jsonFileStore(file, backups ? {} : { backups: { keep: 0 } }),
    migrations: STEPS,
  });
  const marks: [string, number][] = [];
  const mark = (name: string) => () => void marks.push([name, performance.now()]);
  migrator.on('lock:acquired', mark('lock'));
  migrator.on('plan', mark('read+parse'));
  migrator.on('migrated', mark('step'));
  migrator.on('backup', mark('backup'));
  migrator.on('done', mark('write'));
  await begin();
  const c0 = cpuStart();
  const t0 = performance.now();
  const report = await migrator.migrate();
  const t1 = performance.now();
  const cpuMs = cpuSince(c0);
  if (report.from !== 0 || report.version !== 3 || !report.written) throw new Error(`strata: ${report.from} -> ${report.version}, written ${report.written}`);
  // Phases from the migrator's own events: each mark ends the phase named after it.
  const phases: Phases = {};
  let last = t0;
  for (const [name, at] of marks) {
    const key = name === 'step' ? 'steps' : name;
    phases[key] = (phases[key] ?? 0) + (at - last);
    last = at;
  }
  phases['after done'] = t1 - last;
  return { ms: t1 - t0, cpuMs, phases };
}

async function runReduxPersist(file: string, flat: boolean): Promise<Timed> {
  const { legacy_createStore, combineReducers } = await import('redux');
  const { persistReducer, persistStore, createMigrate } = await import('redux-persist');
  let readAt = 0;
  let writeStart = 0;
  let parsedAt = 0;
  // redux-persist's storage interface over one file: getItem reads it, setItem replaces it atomically.
  const storage = {
    async getItem(_key: string): Promise<unknown> {
      const text = await readFile(file, 'utf8');
      readAt = performance.now();
      if (!flat) return text;
      const value = JSON.parse(text);
      parsedAt = performance.now();
      return value;
    },
    async setItem(_key: string, value: unknown): Promise<void> {
      const text = flat ? JSON.stringify(value) : (value as string);
      writeStart = performance.now();
      await writeAtomic(file, text);
    },
    async removeItem(): Promise<void> {},
  };
  const migrations = Object.fromEntries(STEPS.map((s) => [s.version, (state: any) => s.up(state)]));
  let migratedAt = 0;
  const migrate = createMigrate(migrations as never);
  const config = {
    key: 'root',
    storage,
    version: 3,
    timeout: 0,
    migrate: async (state: any, version: number) => {
      if (!flat) parsedAt = performance.now();
      const out = await migrate(state, version);
      migratedAt = performance.now();
      return out;
    },
    ...(flat ? { serialize: false, deserialize: false } : {}),
  };
  const reducer = combineReducers({ conversations: (state: unknown[] = []) => state });
  await begin();
  const c0 = cpuStart();
  const t0 = performance.now();
  const store = legacy_createStore(persistReducer(config as never, reducer));
  const persistor = persistStore(store);
  await new Promise<void>((done) => {
    const stop = persistor.subscribe(() => {
      if (persistor.getState().bootstrapped) {
        stop();
        done();
      }
    });
  });
  await persistor.flush();
  const t1 = performance.now();
  const cpuMs = cpuSince(c0);
  const state = store.getState() as { _persist: { version: number }; conversations: unknown[] };
  if (state._persist.version !== 3 || !state.conversations.length) throw new Error('redux-persist did not rehydrate migrated state');
  return {
    ms: t1 - t0,
    cpuMs,
    phases: {
      read: readAt - t0,
      parse: parsedAt - readAt,
      steps: migratedAt - parsedAt,
      'rehydrate+stringify': writeStart - migratedAt,
      write: t1 - writeStart,
    },
  };
}

// ---- the parent: fixtures, interleaved rounds, the table ---------------------------------------

interface Tool {
  id: string;
  label: string;
  fixture: 'envelope' | 'rp' | 'rp-flat' | null;
}

const TOOLS: Tool[] = [
  { id: 'limit', label: 'limit: readFile+parse+steps+stringify+atomic write', fixture: 'envelope' },
  { id: 'strata', label: 'Strata DocumentMigrator + jsonFileStore (default: backup on)', fixture: 'envelope' },
  { id: 'strata-nobak', label: 'Strata, backups: { keep: 0 }', fixture: 'envelope' },
  { id: 'rp', label: 'redux-persist createMigrate (its double-encoded format)', fixture: 'rp' },
  { id: 'rp-flat', label: 'redux-persist createMigrate (serialize: false)', fixture: 'rp-flat' },
  { id: 'idle', label: 'idle child (same loader, no work): RSS floor', fixture: null },
];

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const fmtMB = (bytes: number) => (bytes / 1e6).toFixed(1);

function runChild(tool: string, file: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', tool, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
      if (code !== 0 || !line) reject(new Error(`child ${tool} exited with ${code}: ${out}`));
      else resolveRun(JSON.parse(line.slice('BENCH-RESULT '.length)) as ChildResult);
    });
  });
}

/** The migrated conversations of a tool's output file, as a digest (plus the version it says). */
function outputDigest(tool: Tool, file: string): { version: unknown; digest: string; count: number } {
  const outer = JSON.parse(readFileSync(file, 'utf8'));
  let version: unknown;
  let conversations: unknown[];
  if (tool.fixture === 'envelope') {
    version = outer.version;
    conversations = outer.data.conversations;
  } else if (tool.fixture === 'rp') {
    version = JSON.parse(outer._persist).version;
    conversations = JSON.parse(outer.conversations);
  } else {
    version = outer._persist.version;
    conversations = outer.conversations;
  }
  return { version, digest: createHash('sha256').update(JSON.stringify(conversations)).digest('hex'), count: conversations.length };
}

/** Self time by function, and by file, of a profile written by a child. */
function profileSummary(file: string, top = 16): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const perSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const rootUrl = `${pathToFileURL(root).href}/`;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const ms = (node.hitCount ?? 0) * perSample;
    const where = url ? `${url.replace(rootUrl, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    const group = url ? url.replace(rootUrl, '') : functionName.startsWith('(') ? functionName : '(native)';
    byFile.set(group, (byFile.get(group) ?? 0) + ms);
  }
  const rows = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `  ${ms.toFixed(0).padStart(6)} ms  ${k}`);
  return [
    `self time by function (${((profile.endTime - profile.startTime) / 1000) | 0} ms profiled):`,
    ...rows(byFunction, top),
    'self time by file:',
    ...rows(byFile, 10),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mb: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '5' },
      only: { type: 'string' },
      src: { type: 'boolean', default: false },
      profile: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (values.src) process.env.BENCH_STRATA_SRC = '1';
  const rounds = Number(values.rounds);
  const only = values.only ? new Set(['limit', ...values.only.split(',')]) : undefined;
  const tools = TOOLS.filter((t) => !only || only.has(t.id));
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const cpu = cpus();
  const strataFrom = strataEntry().replace(`${root}/`, '');
  const rpVersion = JSON.parse(readFileSync(join(root, 'node_modules/redux-persist/package.json'), 'utf8')).version;
  const reduxVersion = JSON.parse(readFileSync(join(root, 'node_modules/redux/package.json'), 'utf8')).version;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`node: ${process.version}`);
  say(`cpu: ${cpu[0]?.model.trim()} x ${cpu.length}; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB`);
  say(`strata from: ${strataFrom}${strataFrom.startsWith('dist') ? ` (built ${statSync(join(root, strataFrom)).mtime.toISOString()})` : ' (through tsx)'}`);
  say(`redux: ${reduxVersion}, redux-persist: ${rpVersion}`);
  say(`load average at start: ${load()}`);

  // Fixtures: one data set, written in each tool's format at version 0.
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = performance.now();
  let records: RecordV0[] | null = generate(Number(values.mb) * 1e6);
  const count = records.length;
  const body = JSON.stringify(records);
  records = null;
  const fixtures = {
    envelope: join(work, 'fixture.envelope.json'),
    rp: join(work, 'fixture.rp.json'),
    'rp-flat': join(work, 'fixture.rp-flat.json'),
  };
  writeFileSync(fixtures.envelope, `{"version":0,"data":{"conversations":${body}},"history":[]}`);
  writeFileSync(fixtures['rp-flat'], `{"conversations":${body},"_persist":{"version":0,"rehydrated":true}}`);
  writeFileSync(fixtures.rp, JSON.stringify({ conversations: body, _persist: JSON.stringify({ version: 0, rehydrated: true }) }));
  say(
    `data: ${count} conversation records; files at version 0: envelope ${fmtMB(statSync(fixtures.envelope).size)} MB, redux-persist ${fmtMB(statSync(fixtures.rp).size)} MB (double-encoded), rp-flat ${fmtMB(statSync(fixtures['rp-flat']).size)} MB; generated in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  say(`rounds: ${rounds}, tools interleaved, order rotated each round; each run is a fresh child process (${process.execArgv.join(' ') || 'node'})`);

  const samples = new Map<string, ChildResult[]>(tools.map((t) => [t.id, []]));
  const fileOf = (tool: Tool) => join(work, tool.id, 'state.json');
  for (let round = 0; round < rounds; round++) {
    const order = tools.map((_, k) => tools[(k + round) % tools.length]!);
    for (const tool of order) {
      const file = fileOf(tool);
      rmSync(dirname(file), { recursive: true, force: true });
      mkdirSync(dirname(file), { recursive: true });
      if (tool.fixture) copyFileSync(fixtures[tool.fixture], file);
      const result = await runChild(tool.id, file);
      samples.get(tool.id)!.push(result);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${tool.id}: ${fmtMs(result.ms)} ms (CPU ${fmtMs(result.cpuMs)} ms), ${(result.maxRssKiB / 1024).toFixed(0)} MB RSS\n`,
      );
    }
  }
  const loadAtEnd = load();

  // Every tool must have done the same work: version 3 and the same migrated records.
  const digests = new Map<string, string>();
  for (const tool of tools) {
    if (!tool.fixture) continue;
    const out = outputDigest(tool, fileOf(tool));
    if (out.version !== 3 || out.count !== count) throw new Error(`${tool.id}: output at version ${String(out.version)} with ${out.count} records`);
    digests.set(tool.id, out.digest);
  }
  const distinct = new Set(digests.values());
  if (distinct.size !== 1) throw new Error(`the tools' migrated data differ: ${JSON.stringify(Object.fromEntries(digests))}`);
  const sizes = new Map(tools.filter((t) => t.fixture).map((t) => [t.id, statSync(fileOf(t)).size]));

  const limitMs = median(samples.get('limit')!.map((r) => r.ms));
  const limitCpu = median(samples.get('limit')!.map((r) => r.cpuMs));
  const limitRss = median(samples.get('limit')!.map((r) => r.maxRssKiB));
  say('');
  say(
    `tool (${fmtMB(statSync(fixtures.envelope).size)} MB, 3 versions up)`.padEnd(62) +
      'median ms'.padStart(10) +
      'vs limit'.padStart(10) +
      'min-max ms'.padStart(14) +
      'CPU ms'.padStart(9) +
      'vs limit'.padStart(10) +
      'peak RSS'.padStart(11) +
      'vs limit'.padStart(10) +
      'out MB'.padStart(8),
  );
  say('-'.repeat(62 + 10 + 10 + 14 + 9 + 10 + 11 + 10 + 8));
  for (const tool of tools) {
    const runs = samples.get(tool.id)!;
    const ms = median(runs.map((r) => r.ms));
    const rss = median(runs.map((r) => r.maxRssKiB));
    const cpuMs = median(runs.map((r) => r.cpuMs));
    const times = runs.map((r) => r.ms);
    const work = tool.id !== 'idle';
    say(
      tool.label.padEnd(62) +
        (work ? fmtMs(ms) : '-').padStart(10) +
        (work ? `${(ms / limitMs).toFixed(2)}x` : '-').padStart(10) +
        (work ? `${fmtMs(Math.min(...times))}-${fmtMs(Math.max(...times))}` : '-').padStart(14) +
        (work ? fmtMs(cpuMs) : '-').padStart(9) +
        (work ? `${(cpuMs / limitCpu).toFixed(2)}x` : '-').padStart(10) +
        `${(rss / 1024).toFixed(0)} MB`.padStart(11) +
        `${(rss / limitRss).toFixed(2)}x`.padStart(10) +
        (sizes.has(tool.id) ? fmtMB(sizes.get(tool.id)!) : '-').padStart(8),
    );
  }
  say('');
  say(
    `cells: median of ${rounds}; time measured inside the child from the start of the migration to the durable write (${ATOMIC_NOTE}), module loading excluded;`,
  );
  say('CPU ms: user + system CPU time of the child over the same span (all its threads); steadier than wall time on a busy machine.');
  say('peak RSS: process.resourceUsage().maxRSS of the same child at exit (module loading included; "idle" is the floor).');
  say('all outputs checked: version 3 and identical migrated records (sha256 of the records).');
  say('');
  say('phases (median ms):');
  for (const tool of tools) {
    const runs = samples.get(tool.id)!;
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.phases)))];
    if (!names.length) continue;
    say(`  ${tool.id.padEnd(13)} ${names.map((n) => `${n} ${fmtMs(median(runs.map((r) => r.phases[n] ?? 0)))}`).join(', ')}`);
  }
  const bundle = join(root, 'dist', 'browser', 'strata-document.js');
  say('');
  if (existsSync(bundle)) {
    const bytes = readFileSync(bundle);
    say(
      `dist/browser/strata-document.js: ${bytes.length} bytes, gzip -9 ${gzipSync(bytes, { level: 9 }).length} bytes (${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KiB)`,
    );
  } else say('dist/browser/strata-document.js: not built');
  say(`load average at end: ${loadAtEnd}`);

  const strataMs = samples.get('strata-nobak')?.length ? median(samples.get('strata-nobak')!.map((r) => r.ms)) : undefined;
  const strataCpu = samples.get('strata-nobak')?.length ? median(samples.get('strata-nobak')!.map((r) => r.cpuMs)) : undefined;
  if (strataMs !== undefined)
    say(
      `target: Strata (backups off, the limit's work) within 1.3x of the limit: ${(strataMs / limitMs).toFixed(2)}x ${strataMs / limitMs <= 1.3 ? 'MET' : 'MISSED'} (CPU time: ${(strataCpu! / limitCpu).toFixed(2)}x)`,
    );
  const strataDefault = samples.get('strata')?.length ? median(samples.get('strata')!.map((r) => r.ms)) : undefined;
  if (strataDefault !== undefined)
    say(`         Strata with its default backup: ${(strataDefault / limitMs).toFixed(2)}x ${strataDefault / limitMs <= 1.3 ? 'MET' : 'MISSED'}`);

  for (const id of values.profile ? values.profile.split(',') : []) {
    const tool = TOOLS.find((t) => t.id === id);
    if (!tool?.fixture) throw new Error(`--profile: unknown tool ${id}`);
    const profile = join(work, `${id}.cpuprofile`);
    const file = fileOf(tool);
    rmSync(dirname(file), { recursive: true, force: true });
    mkdirSync(dirname(file), { recursive: true });
    copyFileSync(fixtures[tool.fixture], file);
    const result = await runChild(tool.id, file, { ...process.env, BENCH_PROFILE: profile });
    say('');
    say(`profile of ${tool.id} (one run under the profiler: ${fmtMs(result.ms)} ms, CPU ${fmtMs(result.cpuMs)} ms; load ${load()}):`);
    say(profileSummary(profile));
  }
  if (!values.keep) {
    for (const tool of tools) rmSync(dirname(fileOf(tool)), { recursive: true, force: true });
    for (const fixture of Object.values(fixtures)) rmSync(fixture, { force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , tool, file] = process.argv;
  const run = children[tool ?? ''];
  if (!run || !file) {
    process.stderr.write(`unknown child tool ${tool}\n`);
    process.exit(2);
  }
  const { ms, cpuMs, phases } = await run(file);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify(profile));
  }
  process.stdout.write(`BENCH-RESULT ${JSON.stringify({ ms, cpuMs, phases, maxRssKiB: process.resourceUsage().maxRSS } satisfies ChildResult)}\n`);
} else {
  await main();
}
