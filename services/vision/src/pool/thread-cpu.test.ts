import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadCpuMs } from './thread-cpu.js';

/** Burns CPU for a fixed amount of work (not a fixed time), returning something so it is not optimised away. */
function burn(iterations: number): number {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x + Math.sqrt(i)) % 1e9;
  return x;
}

describe.runIf(process.platform === 'linux')('threadCpuMs (Linux schedstat)', () => {
  it("grows with this thread's own work", () => {
    const before = threadCpuMs();
    expect(before).toBeTypeOf('number');
    burn(5e7);
    expect(threadCpuMs()! - before!).toBeGreaterThan(0);
  });

  it('reads a stretch of work shorter than a scheduler tick as about its length, not 0 or a whole tick', () => {
    // Linux brings a running thread's total up to date only at a tick or a switch (thread-cpu.ts):
    // read naively, 2 ms of work reads as 0 or 4 ms (HZ=250). A busy machine can take the core
    // away during a stretch (less CPU than wall time), hence the wide band and "most", not "all".
    let withinBand = 0;
    for (let i = 0; i < 20; i++) {
      const cpuBefore = threadCpuMs()!;
      const wallBefore = performance.now();
      while (performance.now() - wallBefore < 2) burn(1000);
      const ratio = (threadCpuMs()! - cpuBefore) / (performance.now() - wallBefore);
      if (ratio > 0.3 && ratio < 1.5) withinBand++;
    }
    expect(withinBand).toBeGreaterThanOrEqual(15);
  });

  it("does not count another thread's work, where process.cpuUsage does", async () => {
    // The worker burns while this thread blocks in Atomics.wait (off the CPU) until it is done.
    const done = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       let x = 0; for (let i = 0; i < 1e8; i++) x = (x + Math.sqrt(i)) % 1e9;
       Atomics.store(workerData, 0, x === -1 ? 2 : 1); Atomics.notify(workerData, 0);`,
      { eval: true, workerData: done },
    );
    const processBefore = process.cpuUsage();
    const threadBefore = threadCpuMs()!;
    while (Atomics.load(done, 0) === 0) Atomics.wait(done, 0, 0, 50);
    const threadSpentMs = threadCpuMs()! - threadBefore;
    const process_ = process.cpuUsage(processBefore);
    const processSpentMs = (process_.user + process_.system) / 1000;
    await worker.terminate();
    expect(processSpentMs).toBeGreaterThan(0);
    expect(threadSpentMs).toBeLessThan(processSpentMs / 4);
  });
});
