// A simulated Dynamixel Protocol 2.0 bus on a serial link: the bus model (models/dynamixel/) at the end
// of the same paced, faultable cable as a servo-edge controller, opened as `sim://dynamixel/<id>`
// through the binding or served on a pty. The link is what a U2D2 shows the host: one half-duplex bus.

import { systemClock } from '@servo-edge/common/clock';
import type { SimDynamixelModel } from '@servo-edge/firmware-protocol';
import { SimulatorError } from '../errors.js';
import {
  createDynamixelBusModel,
  type DynamixelBusModel,
  HARDWARE_ERRORS,
  type HardwareErrorName,
  type ServoModelName,
} from '../models/dynamixel/index.js';
import type { DynamixelLink } from '../types.js';
import { ModelLink } from './model-link.js';
import { type DynamixelLinkOptions, resolveDynamixelLinkConfig } from './model-link-options.js';

/** The path's servo models are the model's control tables: a rename on either side fails the type check here. */
const SERVO_MODELS_AGREE: [SimDynamixelModel, ServoModelName] extends [ServoModelName, SimDynamixelModel]
  ? true
  : never = true;
void SERVO_MODELS_AGREE;

interface DynamixelFaults {
  hardwareError(id: number, error: HardwareErrorName): void;
}

class SimulatedDynamixelBus
  extends ModelLink<'dynamixel', DynamixelBusModel, DynamixelFaults>
  implements DynamixelLink
{
  constructor(options: DynamixelLinkOptions) {
    const config = resolveDynamixelLinkConfig(options);
    const clock = options.clock ?? systemClock;
    super({
      model: 'dynamixel',
      config,
      clock,
      device: {
        create: (write) =>
          createDynamixelBusModel({ clock, write, servos: config.servos, baud: config.baud }),
        start: (bus) => bus.start(),
        close: (bus) => bus.close(),
        powerCycle: (bus) => bus.powerCycle(),
        receive: (bus, bytes) => bus.receive(bytes),
      },
      extraFaults: (bus) => ({
        hardwareError(id: number, error: HardwareErrorName) {
          if (!Object.hasOwn(HARDWARE_ERRORS, error)) {
            throw new SimulatorError(
              'SIM_INVALID_ARGUMENT',
              `hardwareError(${id}, ${String(error)}): one of ${Object.keys(HARDWARE_ERRORS).join(', ')}`,
            );
          }
          bus.injectHardwareError(id, error);
        },
      }),
    });
  }

  /** Now: a Write to ID (7) renumbers a servo. */
  get servoIds(): readonly number[] {
    return this.device.ids;
  }

  get bus(): DynamixelBusModel {
    return this.device;
  }
}

/** Creates a Dynamixel bus link. No I/O and no timers until start(). Throws ConfigError (CONFIG_INVALID) for bad options. */
export function createDynamixelLink(options: DynamixelLinkOptions): DynamixelLink {
  return new SimulatedDynamixelBus(options);
}
