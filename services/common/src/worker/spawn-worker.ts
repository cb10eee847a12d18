// Starts a worker thread from a module beside the caller: dist/*.js when built, src/*.ts under vitest.

import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The part of worker_threads.Worker that pools use, so tests can hand them fakes. Contract: emits
 * `message` for each reply, `error` for an uncaught exception, and `exit` exactly once when the
 * thread ends (after `terminate()` too).
 */
export interface WorkerPort {
  postMessage(message: unknown, transferList?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (exitCode: number) => void): unknown;
  terminate(): Promise<number>;
  unref(): void;
}

/**
 * `spawnModuleWorker(import.meta.url, 'inspect-worker')` starts `./inspect-worker.js` beside the
 * caller. Node 20 cannot load TypeScript in a worker by itself, so when the caller is a .ts source
 * (tests) the worker first registers source-hooks.mjs, then imports `./inspect-worker.ts`.
 */
export function spawnModuleWorker(callerUrl: string, entryName: string): WorkerPort {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${entryName}.js`, callerUrl));
  const hooks = new URL('./source-hooks.mjs', import.meta.url).href;
  const entry = new URL(`./${entryName}.ts`, callerUrl).href;
  const bootstrap = `import('node:module').then((m) => { m.register(${JSON.stringify(hooks)}); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true });
}

/**
 * For child processes started from sources in tests: `node --conditions=source --import <this> x.ts`.
 * Only meaningful from src/ (the .mjs files are not copied to dist/).
 */
export const REGISTER_SOURCE_HOOKS_PATH = fileURLToPath(
  new URL('./register-source-hooks.mjs', import.meta.url),
);
