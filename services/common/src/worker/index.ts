// Worker threads and child processes that run from dist/ when built and from src/ in tests.

export { REGISTER_SOURCE_HOOKS_PATH, spawnModuleWorker, type WorkerPort } from './spawn-worker.js';
