// @servo-edge/simulator: virtual servo controllers speaking protocol v1 at the far end of a serial line,
// and device models of a Pololu Maestro and a Dynamixel bus speaking their makers' protocols (models/),
// each on the same paced, faultable link (link/), reachable in-process through a serialport binding
// (sim://<id>, sim://maestro/<id>, sim://dynamixel/<id>) or out of process through a pty.

export { SimulatorRegistry } from './binding/registry.js';
export { createSimulatorBinding, type SimulatorBinding } from './binding/simulator-binding.js';
export { SimulatorPort } from './binding/simulator-port.js';
export {
  type AxisConfig,
  DEFAULT_AXES,
  DEFAULT_AXIS_CONFIG,
  type FaultConfig,
  type FaultDirection,
  type LineFaultConfig,
  MAX_AXES,
  resolveControllerConfig,
  SIM_PATH_PREFIX,
  type SimulatedControllerOptions,
} from './config.js';
export { createSimulatedController } from './controller.js';
export * from './errors.js';
export { createSimulatedLink } from './link/create-link.js';
export { createDynamixelLink } from './link/dynamixel-link.js';
export { LINK_OPTIONS_SCHEMAS, type LinkOf, type LinkOptionsOf } from './link/link-options.js';
export { createMaestroLink } from './link/maestro-link.js';
export {
  DYNAMIXEL_DEFAULT_BAUD,
  type DynamixelLinkOptions,
  DynamixelLinkOptionsSchema,
  MAESTRO_DEFAULT_BAUD,
  type MaestroLinkOptions,
  MaestroLinkOptionsSchema,
} from './link/model-link-options.js';
export {
  createDynamixelBusModel,
  DynamixelBusModel,
  type DynamixelBusOptions,
  type DynamixelServoSpec,
  type HardwareErrorName as DynamixelHardwareErrorName,
  type ServoModelName as DynamixelServoModelName,
  type XServoSnapshot as DynamixelServoSnapshot,
} from './models/dynamixel/index.js';
export {
  createMaestroModel,
  type MaestroChannelSettings,
  type MaestroChannelSnapshot,
  type MaestroHomeSetting,
  MaestroModel,
  type MaestroModelOptions,
  type MaestroSerialMode,
} from './models/maestro/index.js';
export { createPtyServer, PtyServer, type PtyServerOptions } from './pty/pty-server.js';
export {
  type MotionControllersConfig,
  type SimulatedControllerExtras,
  type SimulatedControllerSpec,
  type SimulatedControllers,
  type StartSimulatedControllersOptions,
  simulatedControllerSpecs,
  startSimulatedControllers,
} from './simulated-controllers.js';
export type {
  AnySimulatedLink,
  Attachment,
  AxisSnapshot,
  ControllerStatus,
  DynamixelFaultInjector,
  DynamixelLink,
  ExecutedCommand,
  FaultCounts,
  FaultInjector,
  HostEndpoint,
  LinkFaultInjector,
  LinkStatus,
  MaestroFaultInjector,
  MaestroInjectedError,
  MaestroLink,
  QueuedMove,
  SimulatedController,
  SimulatedLink,
} from './types.js';
