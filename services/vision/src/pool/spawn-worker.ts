// Starts a decode worker thread, from dist/*.js in production or from src/*.ts when run from source.

import { Worker } from 'node:worker_threads';

/**
 * The subset of worker_threads.Worker the pool uses, so tests can hand it fakes.
 * Contract: emits `message` for each WorkerMessage, `error` for an uncaught exception, and `exit`
 * exactly once when the thread ends (after `terminate()` too).
 */
export interface WorkerPort {
  postMessage(message: unknown, transferList?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (exitCode: number) => void): unknown;
  terminate(): Promise<number>;
}

export type SpawnWorker = () => WorkerPort;

/**
 * Under vitest (or any runner using the `source` export condition) this module is a .ts file and
 * Node 20 cannot load TypeScript in a worker by itself; the worker then registers a small
 * transpile-on-load hook (source-hooks.mjs) before importing its entry. Built code takes the plain path.
 */
export const spawnInspectWorker: SpawnWorker = () => {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return new Worker(new URL('./inspect-worker.js', import.meta.url));
  const hooks = new URL('./source-hooks.mjs', import.meta.url).href;
  const entry = new URL('./inspect-worker.ts', import.meta.url).href;
  const bootstrap = `import('node:module').then((m) => { m.register(${JSON.stringify(hooks)}); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
};
