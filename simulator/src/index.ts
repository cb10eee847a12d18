// @servo-edge/simulator: virtual servo controllers speaking protocol v1 at the far end of a serial line,
// reachable in-process through a serialport binding (sim://<id>) or out of process through a pty; and
// device models of a Pololu Maestro and a Dynamixel bus speaking their makers' protocols (models/).

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
  Attachment,
  AxisSnapshot,
  ControllerStatus,
  ExecutedCommand,
  FaultCounts,
  FaultInjector,
  HostEndpoint,
  QueuedMove,
  SimulatedController,
} from './types.js';
