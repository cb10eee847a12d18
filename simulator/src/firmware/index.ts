// The reference firmware (firmware-protocol/firmware) in simavr, for tests, servo-sim and the bench.

export {
  ATMEGA2560_FLASH_BYTES,
  ATMEGA2560_RAM_BYTES,
  type FirmwareBenchResult,
  type FirmwareMemory,
  firmwareMemory,
  formatFirmwareBench,
  measureFirmware,
  runFirmwareBench,
} from './firmware-bench.js';
export {
  buildFirmware,
  buildFirmwareVariant,
  FIRMWARE_DIR,
  FIRMWARE_ELF_PATH,
  FIRMWARE_HARNESS_PATH,
  firmwareSkipReason,
} from './firmware-build.js';
export {
  createFirmwareDevice,
  FIRMWARE_VERBS,
  FirmwareDevice,
  type FirmwareDeviceOptions,
  type FirmwareStats,
} from './firmware-device.js';
export { createLineFaultBinding, LineFaults } from './line-fault-binding.js';
export {
  type AxisPins,
  parsePinEdges,
  readPinEdges,
  SERVO_PULSE_JITTER_US,
  SERVO_PULSE_QUIET_JITTER_US,
} from './pin-edges.js';
export { type ServeFirmwareOptions, serveFirmware } from './serve-firmware.js';
