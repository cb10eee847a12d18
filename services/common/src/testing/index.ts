// Test support every package shares: the stepped clock, the in-memory logger, a seeded PRNG, Debian's
// mosquitto, and samples of the MQTT contract's recipe and verdict.

export { ManualClock, type ManualClockStart } from '../clock/manual-clock.js';
export { createMemoryLogger, type LogRecord, type MemoryLogger } from '../log/memory-logger.js';
export { REGISTER_SOURCE_HOOKS_PATH } from '../worker/spawn-worker.js';
export { type Mosquitto, mosquittoSkipReason, startMosquitto } from './mosquitto.js';
export { type Random, seededRandom } from './random.js';
export { sampleRecipe } from './sample-recipe.js';
export { sampleVerdict } from './sample-verdict.js';
export { socatSkipReason } from './socat.js';
