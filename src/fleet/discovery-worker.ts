/**
 * The discovery thread (discovery-thread.ts): finds the run's targets from the request in
 * workerData and posts them back, or the error that stopped it, as plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type DiscoveryRequest, discoverScope } from './scope-discovery.js';
import { type DiscoveryReply, threadErrorOf } from './discovery-thread.js';

async function reply(request: DiscoveryRequest): Promise<DiscoveryReply> {
  try {
    return { discovered: await discoverScope(request) };
  } catch (error) {
    return { error: threadErrorOf(error) };
  }
}

parentPort?.postMessage(await reply(workerData as DiscoveryRequest));
