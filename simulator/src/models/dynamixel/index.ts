// The simulated DYNAMIXEL bus: X-series servos speaking Protocol 2.0.

export { SERVO_MODELS, type ServoModelName } from './control-table.js';
export {
  createDynamixelBusModel,
  DynamixelBusModel,
  type DynamixelBusOptions,
  type DynamixelServoSpec,
} from './dynamixel-bus.js';
export {
  ACCELERATION_UNIT_PULSES_PER_MS2,
  HARDWARE_ERRORS,
  type HardwareErrorName,
  STATUS_ERROR,
  VELOCITY_UNIT_PULSES_PER_MS,
  type XServoSnapshot,
} from './x-servo.js';
