// The pool with fake workers and a stepped clock: queue bound, deadline, decode timeout, crashes, close.
// One suite at the end runs real worker threads on real and malformed images.

import { EventEmitter } from 'node:events';
import { encodeFrame } from '@servo-edge/common/mqtt';
import { createMemoryLogger, ManualClock } from '@servo-edge/common/testing';
import type { WorkerPort } from '@servo-edge/common/worker';
import { encodePng, generateLabel } from '@servo-edge/simulator/labels';
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionPlan } from '../inspect/inspect-image.js';
import { createInspectionPool, type InspectionPool, type PoolJob } from './inspection-pool.js';
import { spawnInspectWorker } from './spawn-worker.js';
import type { InspectRequest, WorkerMessage } from './worker-protocol.js';

const plan: InspectionPlan = {
  symbology: 'gs1-datamatrix',
  region: { xPx: 0, yPx: 0, widthPx: 10, heightPx: 10, positionTolerancePx: 1 },
};
const limits = { maxImageWidthPx: 4096, maxImageHeightPx: 4096 };
const noFindings = { label: { present: false }, symbol: null, printContrast: null };

/** A worker that answers only when the test says so. */
class FakeWorker extends EventEmitter implements WorkerPort {
  requests: InspectRequest[] = [];
  terminated = false;
  postMessage(message: unknown): void {
    this.requests.push(message as InspectRequest);
  }
  terminate(): Promise<number> {
    if (!this.terminated) {
      this.terminated = true;
      this.emit('exit', 1);
    }
    return Promise.resolve(1);
  }
  unref(): void {}
  send(message: WorkerMessage): void {
    this.emit('message', message);
  }
  answer(decodeMs = 3): void {
    const request = this.requests.shift();
    if (!request) throw new Error('no request to answer');
    this.send({ type: 'result', jobId: request.jobId, findings: noFindings, decodeMs });
  }
}

function setup(overrides: { workers?: number; queueLength?: number; autoReady?: boolean } = {}) {
  const clock = new ManualClock({ monotonicMs: 1_000_000 });
  const { logger, events } = createMemoryLogger();
  const workers: FakeWorker[] = [];
  const pool = createInspectionPool({
    workers: overrides.workers ?? 1,
    queueLength: overrides.queueLength ?? 2,
    deadlineMs: 100,
    decodeTimeoutMs: 1000,
    respawnDelayMs: 500,
    limits,
    clock,
    log: logger,
    spawn: () => {
      const worker = new FakeWorker();
      workers.push(worker);
      // Ready on the next microtask, as a real worker would be some time after spawning.
      if (overrides.autoReady !== false) queueMicrotask(() => worker.send({ type: 'ready' }));
      return worker;
    },
  });
  const job = (bytes = 4): PoolJob => ({
    format: 'gray8',
    widthPx: 2,
    heightPx: 2,
    image: new Uint8Array(bytes),
    plan,
    arrivedAtMs: clock.monotonicMs(),
  });
  return { clock, events, workers, pool, job };
}

describe('inspection pool', () => {
  it('1. runs a job and reports queue wait and decode time', async () => {
    const { pool, workers, job, clock } = setup();
    await pool.start();
    const outcome = pool.submit(job());
    clock.advanceBy(5);
    workers[0]!.answer(7);
    await expect(outcome).resolves.toEqual({
      kind: 'done',
      findings: noFindings,
      queueWaitMs: 0,
      decodeMs: 7,
    });
  });

  it('1b. passes on the decode thread CPU time when the worker reports it', async () => {
    const { pool, workers, job } = setup();
    await pool.start();
    const outcome = pool.submit(job());
    const request = workers[0]!.requests.shift()!;
    workers[0]!.send({
      type: 'result',
      jobId: request.jobId,
      findings: noFindings,
      decodeMs: 9,
      decodeCpuMs: 6.5,
    });
    await expect(outcome).resolves.toMatchObject({ kind: 'done', decodeMs: 9, decodeCpuMs: 6.5 });
  });

  it('2. transfers a private copy of the image to the worker', async () => {
    const { pool, workers, job } = setup();
    await pool.start();
    const submitted = job();
    void pool.submit(submitted);
    const sent = workers[0]!.requests[0]!;
    expect(sent.image).not.toBe(submitted.image);
    expect(sent.image.byteLength).toBe(4);
  });

  it('3. rejects QUEUE_FULL beyond the bound, at once', async () => {
    const { pool, job } = setup({ queueLength: 2 });
    await pool.start();
    void pool.submit(job()); // runs
    void pool.submit(job()); // queued 1
    void pool.submit(job()); // queued 2
    await expect(pool.submit(job())).resolves.toMatchObject({ kind: 'failed', reason: 'QUEUE_FULL' });
    expect(pool.stats()).toMatchObject({ busyWorkers: 1, queued: 2 });
  });

  it('4. a frame that waits past its deadline is rejected, not started late', async () => {
    const { pool, workers, job, clock } = setup();
    await pool.start();
    const first = pool.submit(job());
    const late = pool.submit(job());
    // 4a. The deadline timer fires while the only worker is still busy.
    clock.advanceBy(100);
    await expect(late).resolves.toMatchObject({
      kind: 'failed',
      reason: 'DEADLINE_EXCEEDED',
      detail: 'QUEUE_WAIT_EXCEEDED',
      queueWaitMs: 100,
    });
    // 4b. The busy worker finishes; nothing else was sent to it.
    workers[0]!.answer();
    await expect(first).resolves.toMatchObject({ kind: 'done' });
    expect(workers[0]!.requests).toHaveLength(0);
  });

  it('5. a stuck decode is abandoned and its worker replaced', async () => {
    const { pool, workers, job, clock, events } = setup();
    await pool.start();
    const stuck = pool.submit(job());
    clock.advanceBy(1000);
    await expect(stuck).resolves.toMatchObject({
      kind: 'failed',
      reason: 'DEADLINE_EXCEEDED',
      detail: 'DECODE_TIMEOUT',
    });
    expect(workers[0]!.terminated).toBe(true);
    expect(events('worker.timeout')).toHaveLength(1);
    // The replacement takes the next job.
    await Promise.resolve();
    const next = pool.submit(job());
    expect(workers).toHaveLength(2);
    workers[1]!.answer();
    await expect(next).resolves.toMatchObject({ kind: 'done' });
  });

  it('6. a crash fails only its own job; the queue keeps moving', async () => {
    const { pool, workers, job, events } = setup();
    await pool.start();
    const crashed = pool.submit(job());
    const queued = pool.submit(job());
    workers[0]!.emit('error', new Error('boom'));
    await expect(crashed).resolves.toMatchObject({
      kind: 'failed',
      reason: 'UNREADABLE_IMAGE',
      detail: 'WORKER_CRASHED',
    });
    expect(events('worker.crashed').some((r) => r.fields['code'] === 'WORKER_CRASHED')).toBe(true);
    await Promise.resolve();
    workers[1]!.answer();
    await expect(queued).resolves.toMatchObject({ kind: 'done' });
  });

  it('7. a worker-side decode failure becomes UNREADABLE_IMAGE with its code', async () => {
    const { pool, workers, job } = setup();
    await pool.start();
    const outcome = pool.submit(job());
    const { jobId } = workers[0]!.requests[0]!;
    workers[0]!.send({ type: 'failed', jobId, code: 'IMAGE_DECODE_FAILED', message: 'x', decodeMs: 1 });
    await expect(outcome).resolves.toMatchObject({
      kind: 'failed',
      reason: 'UNREADABLE_IMAGE',
      detail: 'IMAGE_DECODE_FAILED',
    });
  });

  it('8. start() rejects WORKER_INIT_FAILED when a worker cannot load its decoder', async () => {
    const { pool, workers } = setup({ autoReady: false });
    const started = pool.start();
    workers[0]!.send({ type: 'init-failed', message: 'no wasm' });
    await expect(started).rejects.toMatchObject({ code: 'WORKER_INIT_FAILED' });
  });

  it('9. a replacement that fails to start is retried after a delay, not in a loop', async () => {
    const { pool, workers, clock } = setup();
    await pool.start();
    workers[0]!.emit('exit', 1);
    expect(workers).toHaveLength(2);
    workers[1]!.send({ type: 'init-failed', message: 'still broken' });
    expect(workers).toHaveLength(2);
    clock.advanceBy(500);
    expect(workers).toHaveLength(3);
  });

  it('10. drain waits for running jobs; close is idempotent and fails what is queued', async () => {
    const { pool, workers, job } = setup();
    await pool.start();
    const running = pool.submit(job());
    const queued = pool.submit(job());
    let drained = false;
    const drain = pool.drain().then(() => {
      drained = true;
    });
    workers[0]!.answer();
    await running;
    expect(drained).toBe(false);
    const closing = pool.close();
    expect(pool.close()).toBe(closing);
    await closing;
    await drain;
    await expect(queued).resolves.toMatchObject({ kind: 'failed' });
    await expect(pool.submit(job())).resolves.toMatchObject({ kind: 'failed', reason: 'QUEUE_FULL' });
    expect(workers.every((w) => w.terminated)).toBe(true);
  });
});

describe('inspection pool on real worker threads', () => {
  let pool: InspectionPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it('decodes a label, survives malformed images, and keeps going', async () => {
    const clock = new ManualClock();
    const log = createMemoryLogger().logger;
    pool = createInspectionPool({
      workers: 1,
      queueLength: 4,
      deadlineMs: 60_000,
      decodeTimeoutMs: 60_000,
      limits,
      clock,
      log,
      spawn: spawnInspectWorker,
    });
    await pool.start();
    const { image, recipe } = await generateLabel({ symbology: 'gs1-128', defect: 'none', seed: 5 });
    const labelPlan: InspectionPlan = { symbology: 'gs1-128', region: { ...recipe.labelRegion } };
    const png = encodePng(image);
    const submit = (job: Partial<PoolJob>) =>
      pool!.submit({ format: 'png', image: png, plan: labelPlan, arrivedAtMs: clock.monotonicMs(), ...job });

    const [truncated, wrongSize, notPng, good] = await Promise.all([
      submit({ image: png.subarray(0, png.length >> 1) }),
      submit({ format: 'gray8', widthPx: 100, heightPx: 100, image: new Uint8Array(99) }),
      submit({ image: encodeFrame({ productId: 'x', capturedAtMs: 1, format: 'png' }, new Uint8Array(4)) }),
      submit({}),
    ]);
    expect(truncated).toMatchObject({
      kind: 'failed',
      reason: 'UNREADABLE_IMAGE',
      detail: 'IMAGE_DECODE_FAILED',
    });
    expect(wrongSize).toMatchObject({
      kind: 'failed',
      reason: 'UNREADABLE_IMAGE',
      detail: 'IMAGE_DIMENSION_MISMATCH',
    });
    expect(notPng).toMatchObject({
      kind: 'failed',
      reason: 'UNREADABLE_IMAGE',
      detail: 'IMAGE_FORMAT_MISMATCH',
    });
    expect(good.kind).toBe('done');
    if (good.kind === 'done') {
      expect(good.findings.label.present).toBe(true);
      expect(good.findings.symbol?.text).toMatch(/^01\d{14}17\d{6}10/);
    }
  });
});
