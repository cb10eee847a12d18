// A motion service driving a simulated Pololu Maestro (the simulator's independent model, STYLE.md
// lesson 16) through motion-api's maestro driver, on a stepped clock. The contract suite runs over every
// transport listed in MAESTRO_TRANSPORTS (describe.each); each gives the same Rig.

import { silentLogger } from '@servo-edge/common/log';
import { ManualClock } from '@servo-edge/common/testing';
import {
  buildApp,
  createMotionService,
  type MotionConfig,
  type MotionService,
  type MotionServiceEvent,
  parseMotionConfig,
} from '@servo-edge/motion-api';
import { hobbyServoAxis } from '@servo-edge/motion-api/testing';
import { createMaestroModel, type MaestroModel, type MaestroModelOptions } from '@servo-edge/simulator';
import type { FastifyInstance } from 'fastify';
import { MemoryTransports, type PipeDevice } from './memory-transports.js';
import { settle, stepUntil } from './settle.js';

export const MAESTRO_PATH = 'mem://maestro0';

export interface MaestroRigOptions {
  /** The model's options (channels, serial mode, serial timeout, channel settings). */
  model?: Omit<MaestroModelOptions, 'clock' | 'write'>;
  /** Changes to the raw motion config before it is parsed. */
  patch?: (raw: RawConfig) => void;
  /** A device in place of the model (one that answers garbage, say). */
  device?: (write: (bytes: Uint8Array) => void) => PipeDevice;
  /** Wait for the link to be ready (default true). */
  waitReady?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: tests patch arbitrary config shapes.
export type RawConfig = Record<string, any>;

export interface MaestroRig {
  clock: ManualClock;
  /** The Maestro model (undefined when `device` replaced it). */
  model: MaestroModel | undefined;
  config: MotionConfig;
  service: MotionService;
  app: FastifyInstance;
  events: MotionServiceEvent[];
  transports: MemoryTransports;
  unplug(): void;
  replug(): void;
  /** Steps time until `condition` holds; resolves with the milliseconds it took. */
  until(condition: () => boolean, what: string, maxMs?: number): Promise<number>;
  close(): Promise<void>;
}

export interface MaestroRigTransport {
  name: string;
  skipReason: string | undefined;
  rig(options?: MaestroRigOptions): Promise<MaestroRig>;
}

/** Two hobby servos: servo0 holds on the software stop, servo1 goes limp. */
export function maestroRawConfig(channels: number): RawConfig {
  return {
    http: { host: '127.0.0.1', port: 0 },
    auth: { disabled: true },
    controllers: [
      {
        id: 'servos',
        driver: 'maestro',
        path: MAESTRO_PATH,
        maestro: { channels, errorPollMs: 500 },
        streamHz: 50,
        replyTimeoutMs: 40,
        maxRetransmits: 2,
      },
    ],
    axes: [hobbyServoAxis('servos', 0), hobbyServoAxis('servos', 1, { softwareStop: 'limp' })],
    reconnect: { initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, connectTimeoutMs: 500 },
    moves: { pollIntervalMs: 1000 },
  };
}

export const memoryMaestroTransport: MaestroRigTransport = {
  name: 'in-memory pipe',
  skipReason: undefined,
  async rig(options = {}) {
    const clock = new ManualClock();
    const transports = new MemoryTransports();
    const write = transports.toHost(MAESTRO_PATH);
    const channels = options.model?.channels ?? 6;
    let model: MaestroModel | undefined;
    if (options.device) transports.add(MAESTRO_PATH, options.device(write));
    else {
      model = createMaestroModel({ clock, write, channels, ...options.model });
      model.start();
      transports.add(MAESTRO_PATH, model);
    }
    const raw = maestroRawConfig(channels);
    options.patch?.(raw);
    const config = parseMotionConfig(raw);
    const service = createMotionService(config, { transports, clock, log: silentLogger });
    const events: MotionServiceEvent[] = [];
    service.subscribe((event) => events.push(event));
    await service.start();
    const app = buildApp({ service, clock, logger: silentLogger });
    const until = (condition: () => boolean, what: string, maxMs = 10_000) =>
      stepUntil(clock, condition, what, { maxMs });
    if (options.waitReady !== false) await until(() => service.isReady(), 'the Maestro link is ready', 5000);
    await settle();
    return {
      clock,
      model,
      config,
      service,
      app,
      events,
      transports,
      unplug: () => transports.unplug(MAESTRO_PATH),
      replug: () => transports.replug(MAESTRO_PATH),
      until,
      async close() {
        await app.close();
        await service.close();
        model?.close();
      },
    };
  },
};

/** The transports the Maestro contract suite runs over. */
export const MAESTRO_TRANSPORTS: MaestroRigTransport[] = [memoryMaestroTransport];
