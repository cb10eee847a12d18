// Runs thumbnail jobs on one worker thread, started on first use and ended after a quiet spell, so a
// gateway nobody watches pays no thread and no heap for it.

import type { Clock } from '@servo-edge/common/clock';
import { spawnModuleWorker, type WorkerPort } from '@servo-edge/common/worker';
import type { ThumbnailJob } from './thumbnails-render.js';
import type { WorkerReply } from './thumbnails-worker.js';

/** Contract: `render` resolves with PNG bytes or rejects; `close` rejects what is pending and is idempotent. */
export interface ThumbnailRenderer {
  render(job: ThumbnailJob): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface WorkerRendererOptions {
  clock: Pick<Clock, 'after'>;
  /** End the thread after this long without a job. */
  idleMs: number;
  /** Test seam; default: thumbnails-worker.ts on a worker thread. */
  spawn?: () => WorkerPort;
}

interface Pending {
  resolve(png: Uint8Array): void;
  reject(error: Error): void;
}

export function createWorkerRenderer(options: WorkerRendererOptions): ThumbnailRenderer {
  const spawn = options.spawn ?? (() => spawnModuleWorker(import.meta.url, 'thumbnails-worker'));
  const pending = new Map<number, Pending>();
  let worker: WorkerPort | undefined;
  let nextId = 1;
  let cancelIdle: (() => void) | undefined;
  let closed = false;

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  const armIdle = () => {
    cancelIdle?.();
    cancelIdle = undefined;
    if (pending.size > 0 || !worker) return;
    cancelIdle = options.clock.after(options.idleMs, () => {
      cancelIdle = undefined;
      if (pending.size > 0 || !worker) return;
      const idle = worker;
      worker = undefined;
      void idle.terminate();
    });
  };

  const start = (): WorkerPort => {
    const port = spawn();
    // The thread must never keep the gateway process alive on its own.
    port.unref();
    port.on('message', (message) => {
      const reply = message as WorkerReply;
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.png);
      else p.reject(new Error(reply.error));
      armIdle();
    });
    port.on('error', (error) => {
      if (worker === port) worker = undefined;
      failAll(error);
    });
    port.on('exit', () => {
      if (worker === port) worker = undefined;
      failAll(new Error('thumbnail worker exited'));
    });
    return port;
  };

  return {
    render(job) {
      if (closed) return Promise.reject(new Error('thumbnail renderer closed'));
      cancelIdle?.();
      cancelIdle = undefined;
      worker ??= start();
      const id = nextId++;
      const port = worker;
      return new Promise<Uint8Array>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // An image that owns its whole buffer (the store's copy) moves without a copy; anything else
        // (a view into a pooled Buffer) is cloned, since moving it would detach memory others use.
        const { image } = job;
        const owned = image.byteOffset === 0 && image.byteLength === image.buffer.byteLength;
        port.postMessage({ id, ...job }, owned ? [image.buffer as ArrayBuffer] : []);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      cancelIdle?.();
      const last = worker;
      worker = undefined;
      failAll(new Error('thumbnail renderer closed'));
      await last?.terminate();
    },
  };
}
