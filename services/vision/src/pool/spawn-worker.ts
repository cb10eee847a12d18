// Starts a decode worker thread: dist/inspect-worker.js when built, src/inspect-worker.ts under vitest.

import { spawnModuleWorker, type WorkerPort } from '@servo-edge/common/worker';
import { configureDecodeWorkerHeap, DECODE_WORKER_INITIAL_OLD_SPACE_MB } from './decode-worker-heap.js';

/** How the pool starts a worker; tests hand it fakes (a WorkerPort, from @servo-edge/common/worker). */
export type SpawnWorker = () => WorkerPort;

/** Starts decode workers whose heap starts with `initialOldSpaceMb` of old generation (decode-worker-heap.ts). */
export function inspectWorkerSpawner(initialOldSpaceMb: number): SpawnWorker {
  return () => {
    configureDecodeWorkerHeap(initialOldSpaceMb);
    return spawnModuleWorker(import.meta.url, 'inspect-worker');
  };
}

/** Decode workers with the default heap. */
export const spawnInspectWorker: SpawnWorker = inspectWorkerSpawner(DECODE_WORKER_INITIAL_OLD_SPACE_MB);
