// @servo-edge/motion-api: the REST service that drives servo controllers over serial.
// Compose it with createMotionService(config, deps) (owns the links) and buildApp({ service }) (never listens).

export { type CliIo, type RunningServer, runServoMotion, USAGE as SERVO_MOTION_USAGE } from './cli/run.js';
export { checkMotionConfig, isLoopbackHost } from './config/check.js';
export {
  checkMotionConfigText,
  checkMotionConfigValue,
  loadMotionConfigFile,
  parseMotionConfig,
} from './config/load.js';
export type {
  ApiKeyConfig,
  AuthConfig,
  AxisConfig,
  ControllerConfig,
  MotionConfig,
  Role,
} from './config/schema.js';
export { MotionConfigSchema } from './config/schema.js';
export type { DriverFactory } from './drivers/create-driver.js';
export type { LinkHealth, LinkState } from './drivers/driver.js';
export {
  type AbsoluteMove,
  type AxisReport,
  type ControllerDriver,
  type DeviceEventName,
  DRIVER_KINDS,
  type DriverAxisState,
  type DriverCapabilities,
  DriverCommandError,
  type DriverEvent,
  type DriverHooks,
  type DriverKind,
  type DriverOptions,
  type Support,
} from './drivers/driver.js';
export * from './errors.js';
export {
  API_PREFIX,
  type ApiPlugin,
  type BuildAppDeps,
  buildApp,
  type MotionApiPluginOptions,
  motionApiPlugin,
} from './http/app.js';
export {
  type Authenticator,
  authHook,
  createAuthenticator,
  type Principal,
  roleAllows,
} from './http/auth.js';
export { PROBLEM_CONTENT_TYPE, type ProblemBody, problemBody, sendProblem } from './http/problem.js';
export {
  DirtyAxes,
  type FanoutSocket,
  WS_CLOSE,
  WsFanout,
  type WsFanoutOptions,
} from './http/ws-fanout.js';
export {
  createSerialTransportFactory,
  type SerialBinding,
  SIMULATOR_PATH_PREFIX,
} from './link/serial-transport.js';
export type {
  LinkTransport,
  TransportCloseInfo,
  TransportFactory,
  TransportHandlers,
  TransportOpenOptions,
} from './link/transport.js';
export { createMotionMetrics, type MotionMetrics } from './metrics/motion-metrics.js';
export type { AxisStatus } from './motion/axis-runtime.js';
export type { JogLease } from './motion/jog-leases.js';
export {
  createMotionService,
  type MotionService,
  type MotionServiceDeps,
} from './motion/motion-service.js';
export type { MoveLeg, MoveRecord, MoveStatus } from './motion/move-tracker.js';
export type {
  ControllerStatus,
  CoordinatedMoveRequest,
  EstopResult,
  HomeResult,
  JogRequest,
  JogResult,
  MotionServiceEvent,
  MoveRequest,
  MoveTrigger,
  ResetResult,
  SingleMoveRequest,
} from './motion/types.js';
