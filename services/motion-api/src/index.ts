// @servo-edge/motion-api: the REST service that drives servo controllers over serial.
// Compose it with createMotionService(config, deps) (owns the links) and buildApp({ service }) (never listens).

export { isLoopbackHost, loadMotionConfigFile, parseMotionConfig } from './config/load.js';
export type {
  ApiKeyConfig,
  AuthConfig,
  AxisConfig,
  ControllerConfig,
  MotionConfig,
  Role,
} from './config/schema.js';
export { MotionConfigSchema } from './config/schema.js';
export * from './errors.js';
export {
  API_PREFIX,
  type ApiPlugin,
  type BuildAppDeps,
  buildApp,
  loggerOptions,
  type MotionApiPluginOptions,
  motionApiPlugin,
  REDACTED_LOG_PATHS,
} from './http/app.js';
export {
  type Authenticator,
  authHook,
  createAuthenticator,
  type Principal,
  roleAllows,
} from './http/auth.js';
export { PROBLEM_CONTENT_TYPE, type ProblemBody, problemBody, sendProblem } from './http/problem.js';
export type { LinkHealth, LinkState } from './link/controller-link.js';
export {
  createSerialTransportFactory,
  type SerialBinding,
  SIMULATOR_PATH_PREFIX,
} from './link/serial-transport.js';
export type { LinkTransport, TransportFactory, TransportHandlers } from './link/transport.js';
export { createMotionMetrics, type MotionMetrics } from './metrics/motion-metrics.js';
export type { AxisStatus } from './motion/axis-runtime.js';
export {
  type ControllerStatus,
  type CoordinatedMoveRequest,
  createMotionService,
  type EstopResult,
  type HomeResult,
  type JogRequest,
  type MotionService,
  type MotionServiceDeps,
  type MotionServiceEvent,
  type MoveRequest,
  type ResetResult,
} from './motion/motion-service.js';
export type { MoveLeg, MoveRecord, MoveStatus } from './motion/move-tracker.js';
