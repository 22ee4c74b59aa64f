/**
 * Running the external dump and restore tools (pg_dump, pg_restore, psql, mysqldump, mysql)
 * for the server backup providers: found on the PATH or in a given folder, run without a shell,
 * their output streamed to or from files, and every password kept out of argv and messages.
 */
// child_process is imported when a tool runs: the providers are made for every migrate on a
// server, most of which back nothing up.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';
import { ErrorCode, StrataError, messageOf } from '../../model/errors.js';
import { redactUrl as redactSecrets } from '../../targets/sql/server-url.js';
import { importModule } from '../../fs/import-module.js';

export interface ToolConnection {
  /** The URL without its password: for messages, manifests and (PostgreSQL) the tools' --dbname. */
  redacted: string;
  toolUrl: string;
  /** The environment for the tools (the password in PGPASSWORD / MYSQL_PWD). */
  env: NodeJS.ProcessEnv;
  /** Strings that must never appear in a message (the password, raw and URL-encoded). */
  secrets: string[];
  database: string;
  user: string;
}

/** The URL without its password: removed, not masked (it names backups' sources). */
export function redactUrl(url: string): string {
  return redactSecrets(url, '');
}

/** `text` with every secret replaced by `***`. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

/**
 * The absolute path of the first of `names` found in `binDir` or on the PATH; a coded
 * BACKUP_UNSUPPORTED error naming the tool and how to install it otherwise.
 */
export function findTool(names: string[], binDir: string | undefined, install: string, purpose: 'BACKUP' | 'RESTORE'): string {
  const dirs = binDir !== undefined ? [binDir] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const name of names) {
    for (const dir of dirs) {
      for (const suffix of suffixes) {
        const candidate = join(dir, name + suffix);
        try {
          accessSync(candidate, fsConstants.X_OK);
          if (statSync(candidate).isFile()) return candidate;
        } catch {
          // not here
        }
      }
    }
  }
  const where = binDir !== undefined ? `in ${binDir}` : 'on the PATH';
  throw new StrataError(
    ErrorCode.BACKUP_UNSUPPORTED,
    `${names.join(' or ')} is not ${where}: it is needed to ${purpose === 'BACKUP' ? 'back up' : 'check or restore'} this database`,
    {
      hint: install,
      details: { tool: names[0] },
    },
  );
}

export interface ToolResult {
  code: number | null;
  stderr: string;
  stdout: string;
}

const STDERR_KEEP = 64 * 1024;

/**
 * Runs a tool without a shell. stdout goes to `stdoutFd` (a file, written by the child directly),
 * or is captured when `captureStdout`, or is dropped; stdin comes from `stdinFd` or nothing.
 * stderr is kept (its first 64 KiB) for messages.
 */
export async function runTool(
  tool: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; secrets: string[]; stdoutFd?: number; stdinFd?: number; captureStdout?: boolean },
): Promise<ToolResult> {
  const { spawn } = await importModule('node:child_process', () => import('node:child_process'));
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(tool, args, {
        env: options.env ?? process.env,
        stdio: [options.stdinFd ?? 'ignore', options.stdoutFd ?? (options.captureStdout ? 'pipe' : 'ignore'), 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      reject(spawnError(tool, error));
      return;
    }
    let stderr = '';
    let stdout = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < STDERR_KEEP) stderr += chunk.slice(0, STDERR_KEEP - stderr.length);
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (error) => reject(spawnError(tool, error)));
    child.on('close', (code, signal) => resolvePromise({ code: code ?? (signal ? 128 : null), stderr: redact(stderr, options.secrets), stdout }));
  });
}

function spawnError(tool: string, error: unknown): StrataError {
  return new StrataError(ErrorCode.BACKUP_UNSUPPORTED, `cannot run ${tool}: ${messageOf(error)}`, {
    hint: 'check that the tool is installed and executable',
    cause: error,
  });
}

/** The lines of a tool's stderr that say what went wrong, short enough for one message. */
export function summarise(stderr: string, secrets: string[]): string {
  const lines = redact(stderr, secrets)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const important = lines.filter((line) => /error|fatal|failed|denied|cannot|could not|unknown|does not exist|aborting/i.test(line));
  const chosen = (important.length ? important : lines).slice(0, 3).join(' | ');
  const text = chosen || 'no message on stderr';
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
}

/**
 * `producer args | consumer args` where the consumer first gets `preamble` and, only when the
 * producer exits 0 and the consumer is still fine, `commit`; otherwise the consumer is killed
 * with its input still open, so an open transaction is rolled back by the server.
 */
export async function pipeThenCommit(
  producer: string,
  producerArgs: string[],
  consumer: string,
  consumerArgs: string[],
  preamble: string,
  commit: string,
  conn: ToolConnection,
): Promise<{ failed: string | null; stderr: string }> {
  const { spawn } = await importModule('node:child_process', () => import('node:child_process'));
  const consumerChild = spawn(consumer, consumerArgs, { env: conn.env, stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
  const producerChild = spawn(producer, producerArgs, { env: conn.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let consumerErr = '';
  let producerErr = '';
  let spawnFailure: unknown = null;
  consumerChild.stderr.setEncoding('utf8').on('data', (c: string) => consumerErr.length < STDERR_KEEP && (consumerErr += c));
  producerChild.stderr.setEncoding('utf8').on('data', (c: string) => producerErr.length < STDERR_KEEP && (producerErr += c));
  const consumerDone = new Promise<number | null>((res) => {
    consumerChild.on('error', (e) => ((spawnFailure ??= e), res(null)));
    consumerChild.on('close', (code, signal) => res(code ?? (signal ? 128 : null)));
  });
  const producerDone = new Promise<number | null>((res) => {
    producerChild.on('error', (e) => ((spawnFailure ??= e), res(null)));
    producerChild.on('close', (code, signal) => res(code ?? (signal ? 128 : null)));
  });
  const input: Writable = consumerChild.stdin;
  input.on('error', () => undefined); // EPIPE when the consumer stopped early: reported by its exit code
  let consumerExited = false;
  void consumerDone.then(() => {
    consumerExited = true;
    producerChild.kill('SIGKILL');
  });
  input.write(preamble);
  producerChild.stdout.pipe(input, { end: false });
  const producerCode = await producerDone;
  if (producerCode === 0 && !consumerExited && spawnFailure === null) {
    producerChild.stdout.unpipe(input);
    input.end(commit);
  } else {
    consumerChild.kill('SIGKILL');
  }
  const consumerCode = await consumerDone;
  if (spawnFailure) throw spawnError(`${producer} | ${consumer}`, spawnFailure);
  const stderr = redact(`${producerErr}\n${consumerErr}`, conn.secrets);
  if (producerCode !== 0 && !consumerExited)
    return { failed: `${producer.split(/[\\/]/).pop()} could not read the archive (exit ${producerCode}): ${summarise(producerErr, conn.secrets)}`, stderr };
  if (consumerCode !== 0)
    return { failed: `${consumer.split(/[\\/]/).pop()} stopped (exit ${consumerCode}): ${summarise(consumerErr || producerErr, conn.secrets)}`, stderr };
  if (producerCode !== 0) return { failed: `${producer.split(/[\\/]/).pop()} failed (exit ${producerCode}): ${summarise(producerErr, conn.secrets)}`, stderr };
  return { failed: null, stderr };
}

/** Opens `path` for a tool's stdout (created 0600) and closes it after `run`. */
export async function withOutputFile<T>(path: string, run: (fd: number) => Promise<T>): Promise<T> {
  const handle = await open(path, 'w', 0o600);
  try {
    return await run(handle.fd);
  } finally {
    await handle.close();
  }
}

/** Opens `path` for a tool's stdin and closes it after `run`. */
export async function withInputFile<T>(path: string, run: (fd: number) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    return await run(handle.fd);
  } finally {
    await handle.close();
  }
}

/** A short random suffix for scratch names. */
export function scratchSuffix(): string {
  return randomBytes(4).toString('hex');
}
