// A motion service driving a simulated Pololu Maestro (the simulator's independent model, STYLE.md
// lesson 16) through motion-api's maestro driver. The contract suite runs over every transport in
// MAESTRO_TRANSPORTS (describe.each): an in-memory pipe and the simulator's binding on a stepped clock,
// and a real pty in real time. Each gives the same rig.

import { hobbyServoAxis } from '@servo-edge/motion-api/testing';
import {
  createMaestroLink,
  createMaestroModel,
  type MaestroModel,
  type MaestroModelOptions,
} from '@servo-edge/simulator';
import { nextLinkId, type SuiteTime } from './link-transports.js';
import { MemoryTransports, type PipeDevice } from './memory-transports.js';
import {
  type FarEnd,
  type RawConfig,
  type RigTransport,
  rigTransports,
  type ServiceRig,
  type ServiceRigOptions,
  serviceRig,
  simulatedFar,
} from './service-rig.js';

export type { RawConfig } from './service-rig.js';

export const MAESTRO_PATH = 'mem://maestro0';

export interface MaestroRigOptions extends ServiceRigOptions {
  /** The model's options (channels, serial mode, serial timeout, channel settings). */
  model?: Omit<MaestroModelOptions, 'clock' | 'write'>;
  /** A device in place of the model (one that answers garbage); only where `customDevices`. */
  device?: (write: (bytes: Uint8Array) => void) => PipeDevice;
}

export interface MaestroRig extends ServiceRig {
  /** The Maestro model (undefined when `device` replaced it). */
  model: MaestroModel | undefined;
}

export type MaestroRigTransport = RigTransport<MaestroRig, MaestroRigOptions>;

/** Two hobby servos: servo0 holds on the software stop, servo1 goes limp. */
export function maestroRawConfig(channels: number, path: string, stepped: boolean): RawConfig {
  return {
    http: { host: '127.0.0.1', port: 0 },
    auth: { disabled: true },
    controllers: [
      {
        id: 'servos',
        driver: 'maestro',
        path,
        maestro: { channels, errorPollMs: 500 },
        streamHz: 50,
        // A pty under a loaded machine answers in milliseconds, not microseconds.
        replyTimeoutMs: stepped ? 40 : 250,
        maxRetransmits: 2,
      },
    ],
    axes: [hobbyServoAxis('servos', 0), hobbyServoAxis('servos', 1, { softwareStop: 'limp' })],
    reconnect: { initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, connectTimeoutMs: 2000 },
    moves: { pollIntervalMs: 1000 },
  };
}

async function rigOn(
  time: SuiteTime,
  far: FarEnd,
  model: MaestroModel | undefined,
  options: MaestroRigOptions,
): Promise<MaestroRig> {
  const channels = options.model?.channels ?? 6;
  const rig = await serviceRig(
    time,
    far,
    () => maestroRawConfig(channels, far.path, time.stepped),
    options,
    'the Maestro link',
  );
  return Object.assign(rig, { model });
}

/** The transports the Maestro contract suite runs over. */
export const MAESTRO_TRANSPORTS: MaestroRigTransport[] = rigTransports<MaestroRig, MaestroRigOptions>({
  simPath: 'sim://maestro/<id>',
  async memory(time, options) {
    const transports = new MemoryTransports();
    const write = transports.toHost(MAESTRO_PATH);
    let model: MaestroModel | undefined;
    if (options.device) transports.add(MAESTRO_PATH, options.device(write));
    else {
      model = createMaestroModel({ clock: time.clock, write, channels: 6, ...options.model });
      model.start();
      transports.add(MAESTRO_PATH, model);
    }
    const far: FarEnd = {
      path: MAESTRO_PATH,
      transports,
      written: () => transports.written(MAESTRO_PATH),
      unplug: () => transports.unplug(MAESTRO_PATH),
      replug: () => transports.replug(MAESTRO_PATH),
      close: async () => model?.close(),
    };
    return rigOn(time, far, model, options);
  },
  // A Maestro link of the simulator: models/maestro at the end of its paced wire, on `time`'s clock.
  async simulated(time, options, serve) {
    const link = createMaestroLink({
      id: nextLinkId('maestro'),
      clock: time.clock,
      ...(options.model as Record<string, unknown> | undefined),
    });
    return rigOn(time, await simulatedFar(link, serve), link.maestro, options);
  },
});
