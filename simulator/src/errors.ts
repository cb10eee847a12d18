// The closed set of error codes thrown or rejected by @servo-edge/simulator (documented in README.md).
// Wire errors (ERR RANGE, ERR STATE, ...) are protocol data sent to the host, not exceptions. Options
// that fail their checks throw the common ConfigError (CONFIG_INVALID), like every servo-edge config.

import { CodedError } from '@servo-edge/common/errors';

export const SIMULATOR_ERRORS = {
  SIM_DUPLICATE_PATH: 'The registry already holds a link with this id.',
  SIM_CONTROLLER_CLOSED: 'The controller was closed; create a new one.',
  SIM_NO_SUCH_AXIS: 'The axis, Maestro channel or Dynamixel ID is not on the simulated device.',
  SIM_PORT_NOT_FOUND: 'No such file or directory: no started, plugged-in link at this path.',
  SIM_PORT_LOCKED: 'The port is already open (ports are opened exclusively).',
  SIM_PORT_NOT_OPEN: 'The port is not open.',
  SIM_PORT_CANCELED: 'The read or write was cancelled because the port closed.',
  SIM_PORT_DISCONNECTED: 'The cable was unplugged.',
  SIM_INVALID_ARGUMENT:
    'A binding or fault-injection call got an argument of the wrong type or out of bounds.',
  SIM_PTY_FAILED: 'The pseudo-terminal could not be created (is socat installed?).',
  SIM_CLI_USAGE: 'servo-sim was given an unknown flag or a bad value.',
  SIM_TOO_MANY_AXES:
    'A motion config uses an axis number on a sim:// controller that the simulated device cannot have (servo-edge axis above 16, Maestro channel above 23, Dynamixel ID above 252).',
} as const;

export type SimulatorErrorCode = keyof typeof SIMULATOR_ERRORS;

export interface SimulatorErrorFlags {
  /** serialport's contract: an in-progress read or write ended because the port was closed. */
  canceled?: boolean;
  /** serialport's contract: the device went away (an unplug); the port closes. */
  disconnected?: boolean;
  /** errno-style code for callers that branch like they would on an OS error (ENOENT, EBUSY, EIO). */
  errno?: string;
}

export class SimulatorError extends CodedError<SimulatorErrorCode> {
  override readonly name = 'SimulatorError';
  readonly canceled: boolean;
  readonly disconnected: boolean;
  readonly errno: string | undefined;

  constructor(code: SimulatorErrorCode, detail?: string, flags: SimulatorErrorFlags = {}) {
    super(code, SIMULATOR_ERRORS[code], detail);
    this.canceled = flags.canceled ?? false;
    this.disconnected = flags.disconnected ?? false;
    this.errno = flags.errno;
  }
}

export function isSimulatorError(error: unknown): error is SimulatorError {
  return error instanceof SimulatorError;
}
