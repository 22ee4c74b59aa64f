/**
 * What every browser suite and benchmark shares: where Chromium is, how it is launched, a static
 * server on 127.0.0.1 (a secure context, so OPFS, IndexedDB and Web Locks work), and the rule
 * that a missing Chromium skips with one line on a laptop and fails under CI.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.STRATA_CHROMIUM || '/usr/bin/chromium';

/** Why the browser suites cannot run here, or null when they can. */
export const chromiumMissing: string | null = existsSync(CHROMIUM)
  ? null
  : `no Chromium at ${CHROMIUM} (install it: apt-get install chromium, or set STRATA_CHROMIUM)`;

/** Headless Chromium without the background services that make a run slower and noisier. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Registers `suite` when Chromium is here; otherwise one skipped test named `name` on a laptop,
 * or one failing test under CI=true, where the browser suites must never skip.
 */
export function whenChromium(name: string, suite: () => void): void {
  if (!chromiumMissing) suite();
  else if (process.env.CI !== 'true') test(name, { skip: chromiumMissing }, () => {});
  else
    test(name, () => {
      assert.fail(`${chromiumMissing}; under CI=true the browser tests never skip (.ci/run installs Chromium)`);
    });
}

/** A file the server answers with: its body, read on each request, and its content type. */
export interface ServedFile {
  body: () => Buffer | string;
  type: string;
}

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export const HTML = 'text/html; charset=utf-8';
export const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** Serves `files` by path on an ephemeral port of 127.0.0.1, never cached; anything else is a 404. */
export async function serveFiles(files: Record<string, ServedFile>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = files[path];
    if (!file) {
      if (process.env.STRATA_DEBUG) console.error('404', path);
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}
