// Worker pool with a bounded FIFO queue and a per-frame deadline: frames are judged in time or rejected.

import type { Clock, TimerHandle } from '../clock.js';
import { type ErrorCode, VisionError } from '../errors.js';
import type { ImageFormat } from '../frame/frame-codec.js';
import type { ImageLimits } from '../image/decode-image.js';
import type { Findings, InspectionPlan } from '../inspect/inspect-image.js';
import type { Logger } from '../log.js';
import type { SpawnWorker, WorkerPort } from './spawn-worker.js';
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
  /** When the frame reached the service (clock time). */
  arrivedAtMs: number;
}

/** Every job ends in exactly one outcome; `submit` never rejects. */
export type PoolOutcome =
  | { kind: 'done'; findings: Findings; queueWaitMs: number; decodeMs: number }
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
  running?: { pending: Pending; startedAtMs: number; timer: TimerHandle };
  onReady?: (error?: Error) => void;
}

const DEFAULT_RESPAWN_DELAY_MS = 1000;

export function createInspectionPool(options: PoolOptions): InspectionPool {
  const { clock, log } = options;
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextJobId = 1;
  let sweepTimer: TimerHandle | undefined;
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
        log.error('worker.init_failed', { code: 'WORKER_INIT_FAILED', message: message.message });
        retire(slot, new VisionError('WORKER_INIT_FAILED', message.message));
        return;
      case 'result':
      case 'failed': {
        const running = slot.running;
        if (!running || running.pending.jobId !== message.jobId) return;
        clock.clearTimer(running.timer);
        slot.running = undefined;
        slot.state = 'idle';
        const queueWaitMs = running.startedAtMs - running.pending.job.arrivedAtMs;
        if (message.type === 'result') {
          running.pending.resolve({
            kind: 'done',
            findings: message.findings,
            queueWaitMs,
            decodeMs: message.decodeMs,
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
      clock.clearTimer(running.timer);
      slot.running = undefined;
      log.error('worker.crashed', { code: 'WORKER_CRASHED', error });
      running.pending.resolve({
        kind: 'failed',
        reason: 'UNREADABLE_IMAGE',
        detail: 'WORKER_CRASHED',
        queueWaitMs: running.startedAtMs - running.pending.job.arrivedAtMs,
        decodeMs: clock.nowMs() - running.startedAtMs,
      });
    }
    if (slot.state === 'starting') {
      log.error('worker.init_failed', { code: 'WORKER_INIT_FAILED', error });
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
      clock.setTimer(() => {
        if (!closed && slot.state === 'dead') spawnSlot(slot);
      }, options.respawnDelayMs ?? DEFAULT_RESPAWN_DELAY_MS);
    }
  }

  function dispatch(): void {
    expireOverdue();
    for (const slot of slots) {
      if (queue.length === 0) break;
      if (slot.state !== 'idle') continue;
      const pending = queue.shift()!;
      const startedAtMs = clock.nowMs();
      // A job has one decode budget; past it the worker is presumed stuck (pathological image).
      const timer = clock.setTimer(() => onDecodeTimeout(slot, pending), options.decodeTimeoutMs);
      slot.state = 'busy';
      slot.running = { pending, startedAtMs, timer };
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
    log.warn('worker.timeout', { code: 'DECODE_TIMEOUT', decodeTimeoutMs: options.decodeTimeoutMs });
    pending.resolve({
      kind: 'failed',
      reason: 'DEADLINE_EXCEEDED',
      detail: 'DECODE_TIMEOUT',
      queueWaitMs: running.startedAtMs - pending.job.arrivedAtMs,
      decodeMs: clock.nowMs() - running.startedAtMs,
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
    const nowMs = clock.nowMs();
    while (queue.length > 0 && nowMs - queue[0]!.job.arrivedAtMs >= options.deadlineMs) {
      const pending = queue.shift()!;
      pending.resolve({
        kind: 'failed',
        reason: 'DEADLINE_EXCEEDED',
        detail: 'QUEUE_WAIT_EXCEEDED',
        queueWaitMs: nowMs - pending.job.arrivedAtMs,
      });
    }
    notifyDrained();
  }

  /** One timer for the oldest queued job, so expiry happens even when every worker is stuck. */
  function armSweep(): void {
    if (sweepTimer !== undefined) clock.clearTimer(sweepTimer);
    sweepTimer = undefined;
    if (queue.length === 0 || closed) return;
    const dueInMs = queue[0]!.job.arrivedAtMs + options.deadlineMs - clock.nowMs();
    sweepTimer = clock.setTimer(
      () => {
        sweepTimer = undefined;
        dispatch();
      },
      Math.max(0, dueInMs),
    );
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
        if (sweepTimer !== undefined) clock.clearTimer(sweepTimer);
        const nowMs = clock.nowMs();
        for (const pending of queue.splice(0)) {
          pending.resolve({
            kind: 'failed',
            reason: 'DEADLINE_EXCEEDED',
            detail: 'QUEUE_WAIT_EXCEEDED',
            queueWaitMs: nowMs - pending.job.arrivedAtMs,
          });
        }
        const terminations: Promise<unknown>[] = [];
        for (const slot of slots) {
          if (slot.running) {
            clock.clearTimer(slot.running.timer);
            slot.running.pending.resolve({
              kind: 'failed',
              reason: 'DEADLINE_EXCEEDED',
              detail: 'DECODE_TIMEOUT',
              queueWaitMs: slot.running.startedAtMs - slot.running.pending.job.arrivedAtMs,
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
