// A motion service driving a simulated Pololu Maestro (the simulator's independent model, STYLE.md
// lesson 16) through motion-api's maestro driver. The contract suite runs over every transport in
// MAESTRO_TRANSPORTS (describe.each): an in-memory pipe and the simulator's binding on a stepped clock,
// and a real pty in real time. Each gives the same rig.

import type { Clock } from '@servo-edge/common/clock';
import { silentLogger } from '@servo-edge/common/log';
import {
  buildApp,
  createMotionService,
  type MotionConfig,
  type MotionService,
  type MotionServiceEvent,
  parseMotionConfig,
  type TransportFactory,
} from '@servo-edge/motion-api';
import { hobbyServoAxis } from '@servo-edge/motion-api/testing';
import {
  createMaestroLink,
  createMaestroModel,
  type MaestroModel,
  type MaestroModelOptions,
} from '@servo-edge/simulator';
import type { FastifyInstance } from 'fastify';
import {
  bindingEnd,
  type LinkEnd,
  nextLinkId,
  PTY_SKIP_REASON,
  ptyEnd,
  type RecordingTransports,
  realTime,
  type SuiteTime,
  steppedTime,
} from './link-transports.js';
import { MemoryTransports, type PipeDevice } from './memory-transports.js';
import { settle } from './settle.js';

export const MAESTRO_PATH = 'mem://maestro0';

export interface MaestroRigOptions {
  /** The model's options (channels, serial mode, serial timeout, channel settings). */
  model?: Omit<MaestroModelOptions, 'clock' | 'write'>;
  /** Changes to the raw motion config before it is parsed. */
  patch?: (raw: RawConfig) => void;
  /** A device in place of the model (one that answers garbage); only where `customDevices`. */
  device?: (write: (bytes: Uint8Array) => void) => PipeDevice;
  /** Wait for the link to be ready (default true). */
  waitReady?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: tests patch arbitrary config shapes.
export type RawConfig = Record<string, any>;

export interface MaestroRig extends SuiteTime {
  clock: Clock;
  /** The Maestro model (undefined when `device` replaced it). */
  model: MaestroModel | undefined;
  config: MotionConfig;
  service: MotionService;
  app: FastifyInstance;
  events: MotionServiceEvent[];
  /** Every write of the host to the Maestro, in order. */
  written(): Buffer[];
  unplug(): void;
  replug(): void;
  /** Awaits a service call while time runs (stepped, or real). */
  call<T>(promise: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface MaestroRigTransport {
  name: string;
  skipReason: string | undefined;
  /** A custom device (garbage) can stand at the far end. */
  customDevices: boolean;
  rig(options?: MaestroRigOptions): Promise<MaestroRig>;
}

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

interface Far {
  path: string;
  transports: TransportFactory;
  written(): Buffer[];
  model: MaestroModel | undefined;
  unplug(): void;
  replug(): void;
  close(): Promise<void>;
}

async function rigOn(
  time: SuiteTime,
  far: Far,
  channels: number,
  options: MaestroRigOptions,
): Promise<MaestroRig> {
  const raw = maestroRawConfig(channels, far.path, time.stepped);
  options.patch?.(raw);
  const config = parseMotionConfig(raw);
  const service = createMotionService(config, {
    transports: far.transports,
    clock: time.clock,
    log: silentLogger,
  });
  const events: MotionServiceEvent[] = [];
  service.subscribe((event) => events.push(event));
  await service.start();
  const app = buildApp({ service, clock: time.clock, logger: silentLogger });
  if (options.waitReady !== false)
    await time.until(() => service.isReady(), 'the Maestro link is ready', 5000);
  await settle();
  return {
    ...time,
    model: far.model,
    config,
    service,
    app,
    events,
    written: far.written,
    unplug: far.unplug,
    replug: far.replug,
    async call(promise) {
      let settled = false;
      const tracked = promise.finally(() => {
        settled = true;
      });
      tracked.catch(() => {});
      await time.until(() => settled, 'the call to settle');
      return tracked;
    },
    async close() {
      await app.close();
      await service.close();
      await far.close();
    },
  };
}

export const memoryMaestroTransport: MaestroRigTransport = {
  name: 'in-memory pipe',
  skipReason: undefined,
  customDevices: true,
  async rig(options = {}) {
    const time = steppedTime();
    const transports = new MemoryTransports();
    const write = transports.toHost(MAESTRO_PATH);
    const channels = options.model?.channels ?? 6;
    let model: MaestroModel | undefined;
    if (options.device) transports.add(MAESTRO_PATH, options.device(write));
    else {
      model = createMaestroModel({ clock: time.clock, write, channels, ...options.model });
      model.start();
      transports.add(MAESTRO_PATH, model);
    }
    return rigOn(
      time,
      {
        path: MAESTRO_PATH,
        transports,
        written: () => transports.written(MAESTRO_PATH),
        model,
        unplug: () => transports.unplug(MAESTRO_PATH),
        replug: () => transports.replug(MAESTRO_PATH),
        close: async () => model?.close(),
      },
      channels,
      options,
    );
  },
};

/** A Maestro link of the simulator (models/maestro at the end of its paced wire) on `time`'s clock. */
function maestroLinkFar(
  time: SuiteTime,
  options: MaestroRigOptions,
  serve: (link: ReturnType<typeof createMaestroLink>) => Promise<LinkEnd>,
): Promise<Far> {
  const link = createMaestroLink({
    id: nextLinkId('maestro'),
    clock: time.clock,
    ...(options.model as Record<string, unknown> | undefined),
  });
  return serve(link).then((end) => ({
    path: end.path,
    transports: end.transports,
    written: () => (end.transports as RecordingTransports).writes,
    model: link.maestro,
    unplug: end.unplug,
    replug: end.replug,
    close: end.close,
  }));
}

export const bindingMaestroTransport: MaestroRigTransport = {
  name: 'simulator binding (sim://maestro/<id>)',
  skipReason: undefined,
  customDevices: false,
  async rig(options = {}) {
    const time = steppedTime();
    const far = await maestroLinkFar(time, options, bindingEnd);
    return rigOn(time, far, options.model?.channels ?? 6, options);
  },
};

export const ptyMaestroTransport: MaestroRigTransport = {
  name: 'pty (socat + native bindings)',
  skipReason: PTY_SKIP_REASON,
  customDevices: false,
  async rig(options = {}) {
    const time = realTime();
    const far = await maestroLinkFar(time, options, ptyEnd);
    return rigOn(time, far, options.model?.channels ?? 6, options);
  },
};

/** The transports the Maestro contract suite runs over. */
export const MAESTRO_TRANSPORTS: MaestroRigTransport[] = [
  memoryMaestroTransport,
  bindingMaestroTransport,
  ptyMaestroTransport,
];
