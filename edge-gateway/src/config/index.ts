// The config module's public surface.

export { ENV_OVERRIDES, isLoopbackHost, MIN_SECRET_LENGTH } from './env.js';
export { formatProblems } from './format-problems.js';
export {
  type ConfigCheck,
  checkConfigText,
  type LoadOptions,
  loadConfigFile,
  type MotionSectionProblem,
  type MotionSectionValidator,
  parseConfigText,
  readConfigFile,
} from './load.js';
export { validateMotionSection } from './motion-section.js';
export { redactConfig } from './redact.js';
export { CONFIG_KEY_PATHS, CONFIG_SCHEMA } from './schema.js';
export type * from './types.js';
