// Test seams shared by every package's tests and benchmarks: a stepped clock, a seeded PRNG, a faulty line.

export { createLossyLine, type LineFaultCounts, type LineFaults } from './lossy-link.js';
export {
  type MoveStreamOptions,
  type MoveStreamResult,
  runMoveStream,
  summarise,
} from './move-stream.js';
export { type Random, seededRandom } from './random.js';
