// Node.js adapters for the pure protocol core.

export { systemClock } from './system-clock.js';
