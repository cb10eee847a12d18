// Starts the thumbnail worker thread: dist/*.js when built, src/*.ts (through a transpile hook) under vitest.

import { Worker } from 'node:worker_threads';

/**
 * The part of worker_threads.Worker the renderer uses, so tests can hand it fakes. Contract: emits
 * `message` per reply, `error` on an uncaught exception, and `exit` exactly once when the thread ends.
 */
export interface ThumbnailWorkerPort {
  postMessage(message: unknown, transferList?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (exitCode: number) => void): unknown;
  terminate(): Promise<number>;
  unref(): void;
}

/**
 * Node 20 cannot load TypeScript in a worker by itself: from sources, the worker first registers
 * thumbnails-source-hooks.mjs (the same approach as the vision service's decode pool).
 */
export function spawnThumbnailWorker(): ThumbnailWorkerPort {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return new Worker(new URL('./thumbnails-worker.js', import.meta.url));
  const hooks = new URL('./thumbnails-source-hooks.mjs', import.meta.url).href;
  const entry = new URL('./thumbnails-worker.ts', import.meta.url).href;
  const bootstrap = `import('node:module').then((m) => { m.register(${JSON.stringify(hooks)}); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
}
