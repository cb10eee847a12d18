import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { configureDecodeWorkerHeap, DECODE_WORKER_INITIAL_OLD_SPACE_MB } from './decode-worker-heap.js';

/**
 * A worker with a frame's allocation pattern: per "frame" a few MB of pixel buffers and tens of
 * thousands of short-lived objects, some kept for a while (a working set that outlives a scavenge).
 * Reports how many full mark-compacts its heap ran.
 */
function markCompactsInWorker(): Promise<number> {
  const code = `
    const { PerformanceObserver, constants } = require('node:perf_hooks');
    const { parentPort } = require('node:worker_threads');
    let majors = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }).observe({ entryTypes: ['gc'] });
    const kept = [];
    let checksum = 0;
    for (let frame = 0; frame < 300; frame++) {
      const pixels = new Uint8Array(4e6);
      pixels[frame] = 1;
      checksum += pixels[frame];
      const objects = [];
      for (let k = 0; k < 20000; k++) objects.push({ k, v: [k] });
      if (frame % 4 === 0) kept.push(objects.slice(0, 200));
      if (kept.length > 50) kept.shift();
    }
    setTimeout(() => parentPort.postMessage({ majors, checksum }), 20);`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true });
    worker.once('message', (m: { majors: number }) => {
      void worker.terminate();
      resolve(m.majors);
    });
    worker.once('error', reject);
  });
}

describe('the decode workers heap', () => {
  it('sizes workers started after it, so a frame-like load runs no full collection', async () => {
    expect(DECODE_WORKER_INITIAL_OLD_SPACE_MB).toBeGreaterThan(0);
    const beforeMajors = await markCompactsInWorker();
    configureDecodeWorkerHeap(DECODE_WORKER_INITIAL_OLD_SPACE_MB);
    configureDecodeWorkerHeap(DECODE_WORKER_INITIAL_OLD_SPACE_MB);
    const afterMajors = await markCompactsInWorker();
    expect(beforeMajors).toBeGreaterThan(0);
    expect(afterMajors).toBe(0);
  });

  it('refuses a size that is not a positive whole number of MB', () => {
    expect(() => configureDecodeWorkerHeap(0)).toThrow(RangeError);
    expect(() => configureDecodeWorkerHeap(12.5)).toThrow(RangeError);
  });
});
