/**
 * A fleet worker thread: migrates (or reads) one target at a time for the pool in
 * worker-pool.ts, with its own copy of the engine. better-sqlite3 is synchronous, so targets on
 * one thread run one after another; the pool's threads are what runs them side by side.
 */
import { parentPort } from 'node:worker_threads';
import { runTargetTask, type TargetTask } from './target-task.js';

parentPort?.on('message', async (message: { id: number; task: TargetTask }) => {
  const outcome = await runTargetTask(message.task);
  parentPort?.postMessage({ id: message.id, outcome });
});
