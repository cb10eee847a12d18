// Starts a decode worker thread: dist/inspect-worker.js when built, src/inspect-worker.ts under vitest.

import { spawnModuleWorker, type WorkerPort } from '@servo-edge/common/worker';
import { configureDecodeWorkerHeap } from './decode-worker-heap.js';

/** How the pool starts a worker; tests hand it fakes (a WorkerPort, from @servo-edge/common/worker). */
export type SpawnWorker = () => WorkerPort;

export const spawnInspectWorker: SpawnWorker = () => {
  configureDecodeWorkerHeap();
  return spawnModuleWorker(import.meta.url, 'inspect-worker');
};
