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
