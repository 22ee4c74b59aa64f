/**
 * Finds and starts a worker thread's script that sits beside the module asking for it: `.ts`
 * under tsx (tests, dev), `.js` in dist/, `.cjs` for the CommonJS build (which also runs the ESM
 * `.js` worker: a worker is its own module graph), and dist/fleet/ from a bundle in dist/cli/
 * that has no bundled worker beside it (one folder down from dist/, so `../fleet/` finds the tsc output).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** `name` (without extension) beside `here` (the caller's import.meta.url), or in ../fleet/; undefined when no such file exists. */
export function threadScript(name: string, here: string): URL | undefined {
  const ext = here.endsWith('.ts') ? '.ts' : here.endsWith('.cjs') ? '.cjs' : '.js';
  // A bundle beside its workers (dist/cli/program.cjs and fleet-worker.js) takes them before dist/fleet/'s.
  for (const candidate of [`./${name}${ext}`, `./${name}.js`, `../fleet/${name}${ext}`]) {
    const url = new URL(candidate, here);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

/** A worker on `url`; a TypeScript source through tsx's loader, which workers do not inherit. */
export function startThread(url: URL, options: WorkerOptions): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}
