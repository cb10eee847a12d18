// Worker pool with a bounded FIFO queue and a per-frame deadline: frames are judged in time or rejected.

import { addMs, type CancelTimer, type Clock, elapsedMs, type MonotonicMs } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { ImageFormat } from '@servo-edge/common/mqtt';
import type { WorkerPort } from '@servo-edge/common/worker';
import { type ErrorCode, VisionError } from '../errors.js';
import type { ImageLimits } from '../image/decode-image.js';
import type { Findings, InspectionPlan } from '../inspect/inspect-image.js';
import type { SpawnWorker } from './spawn-worker.js';
import type { InspectRequest, WorkerMessage } from './worker-protocol.js';

export interface PoolOptions {
  workers: number;
  queueLength: number;
  /** A job still queued this long after `arrivedAtMs` is rejected instead of started late. */
  deadlineMs: number;
  /** A running job is abandoned after this long and its worker replaced. */
  decodeTimeoutMs: number;
  /** Wait before replacing a worker that failed to start, so a broken install does not spin. */
  respawnDelayMs?: number;
  limits: ImageLimits;
  clock: Clock;
  log: Logger;
  spawn: SpawnWorker;
}

export interface PoolJob {
  format: ImageFormat;
  widthPx?: number;
  heightPx?: number;
  /** Copied into a buffer of its own and transferred to the worker. */
  image: Uint8Array;
  plan: InspectionPlan;
  /** When the frame reached the service, on the monotonic clock: deadlines and waits are durations. */
  arrivedAtMs: MonotonicMs;
}

/** Every job ends in exactly one outcome; `submit` never rejects. */
export type PoolOutcome =
  | {
      kind: 'done';
      findings: Findings;
      queueWaitMs: number;
      decodeMs: number;
      /** The decode thread's own CPU time on the frame, where the system says. */
      decodeCpuMs?: number;
    }
  | {
      kind: 'failed';
      reason: 'UNREADABLE_IMAGE' | 'DEADLINE_EXCEEDED' | 'QUEUE_FULL';
      detail?: ErrorCode;
      queueWaitMs: number;
      decodeMs?: number;
    };

export interface PoolStats {
  workers: number;
  readyWorkers: number;
  busyWorkers: number;
  queued: number;
}

export interface InspectionPool {
  /** Spawns the workers and waits until each has loaded its decoder. Rejects WORKER_INIT_FAILED. */
  start(): Promise<void>;
  submit(job: PoolJob): Promise<PoolOutcome>;
  /** Resolves once nothing is queued or running. */
  drain(): Promise<void>;
  /** Fails queued jobs, terminates the workers. Idempotent. */
  close(): Promise<void>;
  stats(): PoolStats;
}

interface Pending {
  jobId: number;
  job: PoolJob;
  resolve: (outcome: PoolOutcome) => void;
}

interface Slot {
  worker: WorkerPort;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  running?: { pending: Pending; startedAtMs: MonotonicMs; cancelTimeout: CancelTimer };
  onReady?: (error?: Error) => void;
}

const DEFAULT_RESPAWN_DELAY_MS = 1000;

export function createInspectionPool(options: PoolOptions): InspectionPool {
  const { clock, log } = options;
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextJobId = 1;
  let cancelSweep: CancelTimer | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;
  const drainWaiters: Array<() => void> = [];

  const isIdle = () => queue.length === 0 && slots.every((s) => s.state !== 'busy');

  function notifyDrained(): void {
    if (!isIdle()) return;
    for (const waiter of drainWaiters.splice(0)) waiter();
  }

  function spawnSlot(slot: Slot): void {
    const worker = options.spawn();
    slot.worker = worker;
    slot.state = 'starting';
    worker.on('message', (message) => onMessage(slot, worker, message as WorkerMessage));
    worker.on('error', (error) => onWorkerGone(slot, worker, error));
    worker.on('exit', (exitCode) =>
      onWorkerGone(slot, worker, new Error(`worker exited with code ${exitCode}`)),
    );
  }

  function onMessage(slot: Slot, worker: WorkerPort, message: WorkerMessage): void {
    // Messages from a worker we already replaced are stale.
    if (slot.worker !== worker) return;
    switch (message.type) {
      case 'ready':
        slot.state = 'idle';
        slot.onReady?.();
        slot.onReady = undefined;
        dispatch();
        return;
      case 'init-failed':
        log.error({ code: 'WORKER_INIT_FAILED', message: message.message }, 'worker.init_failed');
        retire(slot, new VisionError('WORKER_INIT_FAILED', message.message));
        return;
      case 'result':
      case 'failed': {
        const running = slot.running;
        if (!running || running.pending.jobId !== message.jobId) return;
        running.cancelTimeout();
        slot.running = undefined;
        slot.state = 'idle';
        const queueWaitMs = elapsedMs(running.pending.job.arrivedAtMs, running.startedAtMs);
        if (message.type === 'result') {
          running.pending.resolve({
            kind: 'done',
            findings: message.findings,
            queueWaitMs,
            decodeMs: message.decodeMs,
            ...(message.decodeCpuMs === undefined ? {} : { decodeCpuMs: message.decodeCpuMs }),
          });
        } else {
          running.pending.resolve({
            kind: 'failed',
            reason: 'UNREADABLE_IMAGE',
            detail: message.code,
            queueWaitMs,
            decodeMs: message.decodeMs,
          });
        }
        dispatch();
        notifyDrained();
        return;
      }
    }
  }

  /** A worker died (crash, exit, or we terminated it): fail its job, start a replacement. */
  function onWorkerGone(slot: Slot, worker: WorkerPort, error: Error): void {
    if (slot.worker !== worker || slot.state === 'dead') return;
    const running = slot.running;
    if (running) {
      running.cancelTimeout();
      slot.running = undefined;
      log.error({ code: 'WORKER_CRASHED', err: error }, 'worker.crashed');
      running.pending.resolve({
        kind: 'failed',
        reason: 'UNREADABLE_IMAGE',
        detail: 'WORKER_CRASHED',
        queueWaitMs: elapsedMs(running.pending.job.arrivedAtMs, running.startedAtMs),
        decodeMs: elapsedMs(running.startedAtMs, clock.monotonicMs()),
      });
    }
    if (slot.state === 'starting') {
      log.error({ code: 'WORKER_INIT_FAILED', err: error }, 'worker.init_failed');
      retire(slot, new VisionError('WORKER_INIT_FAILED', error.message, { cause: error }));
      return;
    }
    slot.state = 'dead';
    if (!closed) spawnSlot(slot);
    notifyDrained();
  }

  /** A worker that could not start: report to start(), then retry later rather than in a tight loop. */
  function retire(slot: Slot, error: VisionError): void {
    const worker = slot.worker;
    slot.state = 'dead';
    void worker.terminate().catch(() => undefined);
    if (slot.onReady) {
      slot.onReady(error);
      slot.onReady = undefined;
      return;
    }
    if (!closed) {
      clock.after(options.respawnDelayMs ?? DEFAULT_RESPAWN_DELAY_MS, () => {
        if (!closed && slot.state === 'dead') spawnSlot(slot);
      });
    }
  }

  function dispatch(): void {
    expireOverdue();
    for (const slot of slots) {
      if (queue.length === 0) break;
      if (slot.state !== 'idle') continue;
      const pending = queue.shift()!;
      const startedAtMs = clock.monotonicMs();
      // A job has one decode budget; past it the worker is presumed stuck (pathological image).
      const cancelTimeout = clock.after(options.decodeTimeoutMs, () => onDecodeTimeout(slot, pending));
      slot.state = 'busy';
      slot.running = { pending, startedAtMs, cancelTimeout };
      const { job } = pending;
      // Copy into a buffer of its own: MQTT payloads are often views into a shared pool.
      const image = new Uint8Array(job.image);
      const request: InspectRequest = {
        type: 'inspect',
        jobId: pending.jobId,
        format: job.format,
        image,
        plan: job.plan,
        limits: options.limits,
        ...(job.widthPx === undefined ? {} : { widthPx: job.widthPx }),
        ...(job.heightPx === undefined ? {} : { heightPx: job.heightPx }),
      };
      slot.worker.postMessage(request, [image.buffer as ArrayBuffer]);
    }
    armSweep();
  }

  function onDecodeTimeout(slot: Slot, pending: Pending): void {
    if (slot.running?.pending !== pending) return;
    const running = slot.running;
    slot.running = undefined;
    log.warn({ code: 'DECODE_TIMEOUT', decodeTimeoutMs: options.decodeTimeoutMs }, 'worker.timeout');
    pending.resolve({
      kind: 'failed',
      reason: 'DEADLINE_EXCEEDED',
      detail: 'DECODE_TIMEOUT',
      queueWaitMs: elapsedMs(pending.job.arrivedAtMs, running.startedAtMs),
      decodeMs: elapsedMs(running.startedAtMs, clock.monotonicMs()),
    });
    // Replace the stuck worker; its late answer, if any, is ignored as stale.
    const stuck = slot.worker;
    slot.state = 'dead';
    void stuck.terminate().catch(() => undefined);
    if (!closed) spawnSlot(slot);
    notifyDrained();
  }

  /** Rejects every queued job past its deadline. FIFO with one deadline, so they sit at the head. */
  function expireOverdue(): void {
    const nowMs = clock.monotonicMs();
    while (queue.length > 0 && elapsedMs(queue[0]!.job.arrivedAtMs, nowMs) >= options.deadlineMs) {
      const pending = queue.shift()!;
      pending.resolve({
        kind: 'failed',
        reason: 'DEADLINE_EXCEEDED',
        detail: 'QUEUE_WAIT_EXCEEDED',
        queueWaitMs: elapsedMs(pending.job.arrivedAtMs, nowMs),
      });
    }
    notifyDrained();
  }

  /** One timer for the oldest queued job, so expiry happens even when every worker is stuck. */
  function armSweep(): void {
    cancelSweep?.();
    cancelSweep = undefined;
    if (queue.length === 0 || closed) return;
    cancelSweep = clock.schedule(addMs(queue[0]!.job.arrivedAtMs, options.deadlineMs), () => {
      cancelSweep = undefined;
      dispatch();
    });
  }

  return {
    async start() {
      if (closed) throw new VisionError('SERVICE_CLOSED', 'pool is closed');
      const ready: Promise<void>[] = [];
      for (let i = 0; i < options.workers; i++) {
        const slot = { state: 'starting' } as Slot;
        slots.push(slot);
        ready.push(
          new Promise<void>((resolve, reject) => {
            slot.onReady = (error) => (error ? reject(error) : resolve());
          }),
        );
        spawnSlot(slot);
      }
      try {
        await Promise.all(ready);
      } catch (error) {
        await this.close();
        throw error;
      }
    },

    submit(job) {
      return new Promise<PoolOutcome>((resolve) => {
        if (closed) {
          resolve({ kind: 'failed', reason: 'QUEUE_FULL', queueWaitMs: 0 });
          return;
        }
        expireOverdue();
        // Jobs waiting for a free worker count against the bound; a busy worker's job does not.
        const idleWorkers = slots.filter((s) => s.state === 'idle').length;
        if (queue.length >= options.queueLength + idleWorkers) {
          resolve({ kind: 'failed', reason: 'QUEUE_FULL', queueWaitMs: 0 });
          return;
        }
        queue.push({ jobId: nextJobId++, job, resolve });
        dispatch();
      });
    },

    drain() {
      if (isIdle()) return Promise.resolve();
      return new Promise<void>((resolve) => drainWaiters.push(resolve));
    },

    close() {
      closing ??= (async () => {
        closed = true;
        cancelSweep?.();
        const nowMs = clock.monotonicMs();
        for (const pending of queue.splice(0)) {
          pending.resolve({
            kind: 'failed',
            reason: 'DEADLINE_EXCEEDED',
            detail: 'QUEUE_WAIT_EXCEEDED',
            queueWaitMs: elapsedMs(pending.job.arrivedAtMs, nowMs),
          });
        }
        const terminations: Promise<unknown>[] = [];
        for (const slot of slots) {
          if (slot.running) {
            slot.running.cancelTimeout();
            slot.running.pending.resolve({
              kind: 'failed',
              reason: 'DEADLINE_EXCEEDED',
              detail: 'DECODE_TIMEOUT',
              queueWaitMs: elapsedMs(slot.running.pending.job.arrivedAtMs, slot.running.startedAtMs),
            });
            slot.running = undefined;
          }
          const worker = slot.worker;
          slot.state = 'dead';
          if (worker) terminations.push(worker.terminate().catch(() => undefined));
        }
        await Promise.all(terminations);
        notifyDrained();
        for (const waiter of drainWaiters.splice(0)) waiter();
      })();
      return closing;
    },

    stats() {
      return {
        workers: slots.length,
        readyWorkers: slots.filter((s) => s.state === 'idle' || s.state === 'busy').length,
        busyWorkers: slots.filter((s) => s.state === 'busy').length,
        queued: queue.length,
      };
    },
  };
}
