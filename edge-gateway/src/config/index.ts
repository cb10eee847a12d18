// The config module's public surface.

export {
  type ConfigCheck,
  ConfigError,
  type ConfigProblem,
  type ConfigProblemCode,
  isConfigError,
} from '@servo-edge/common/config';
export { isLoopbackHost } from '@servo-edge/motion-api';
export { ENV_OVERRIDES, MIN_SECRET_LENGTH } from './env.js';
export { formatProblems } from './format-problems.js';
export {
  checkConfigText,
  type LoadOptions,
  loadConfigFile,
  parseConfigText,
  readConfigFile,
} from './load.js';
export { redactConfig } from './redact.js';
export { type GatewayConfigDocument, GatewayConfigSchema } from './schema.js';
export type * from './types.js';
export { withLine } from './with-line.js';
