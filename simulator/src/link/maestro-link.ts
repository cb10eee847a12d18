// A simulated Pololu Maestro on a serial link: the Maestro model (models/maestro/) at the end of the
// same paced, faultable cable as a servo-edge controller, opened as `sim://maestro/<id>` through the
// binding or served on a pty. The link is the Maestro's USB Command Port (User's Guide §5.a).

import { systemClock } from '@servo-edge/common/clock';
import type { SimMaestroSerialMode } from '@servo-edge/firmware-protocol';
import { SimulatorError } from '../errors.js';
import { createMaestroModel, type MaestroModel, type MaestroSerialMode } from '../models/maestro/index.js';
import type { MaestroInjectedError, MaestroLink } from '../types.js';
import { ModelLink } from './model-link.js';
import { type MaestroLinkOptions, resolveMaestroLinkConfig } from './model-link-options.js';

/** The path's serial modes are the model's: a rename on either side fails the type check here. */
const SERIAL_MODES_AGREE: [SimMaestroSerialMode, MaestroSerialMode] extends [
  MaestroSerialMode,
  SimMaestroSerialMode,
]
  ? true
  : never = true;
void SERIAL_MODES_AGREE;

const INJECTABLE: readonly MaestroInjectedError[] = ['SERIAL_SIGNAL', 'SERIAL_OVERRUN', 'SERIAL_BUFFER_FULL'];

interface MaestroFaults {
  serialError(error: MaestroInjectedError): void;
}

class SimulatedMaestro extends ModelLink<'maestro', MaestroModel, MaestroFaults> implements MaestroLink {
  readonly channels: number;

  constructor(options: MaestroLinkOptions) {
    const config = resolveMaestroLinkConfig(options);
    const clock = options.clock ?? systemClock;
    super({
      model: 'maestro',
      config,
      clock,
      device: {
        create: (write) =>
          createMaestroModel({
            clock,
            write,
            channels: config.channels,
            deviceNumber: config.deviceNumber,
            crc: config.crc,
            serialMode: config.serialMode,
            serialTimeoutMs: config.serialTimeoutMs,
            ...(config.movingStateBug === undefined ? {} : { movingStateBug: config.movingStateBug }),
            ...(config.channelSettings === undefined ? {} : { channelSettings: config.channelSettings }),
          }),
        start: (maestro) => maestro.start(),
        close: (maestro) => maestro.close(),
        powerCycle: (maestro) => maestro.reboot(),
        receive: (maestro, bytes) => maestro.receive(bytes),
      },
      extraFaults: (maestro) => ({
        serialError(error: MaestroInjectedError) {
          if (!INJECTABLE.includes(error)) {
            throw new SimulatorError(
              'SIM_INVALID_ARGUMENT',
              `serialError(${String(error)}): one of ${INJECTABLE.join(', ')}`,
            );
          }
          maestro.injectError(error);
        },
      }),
    });
    this.channels = config.channels;
  }

  get maestro(): MaestroModel {
    return this.device;
  }
}

/** Creates a Maestro link. No I/O and no timers until start(). Throws ConfigError (CONFIG_INVALID) for bad options. */
export function createMaestroLink(options: MaestroLinkOptions): MaestroLink {
  return new SimulatedMaestro(options);
}
