// A motion service driving a simulated Dynamixel bus (the simulator's independent model, STYLE.md lesson
// 16) through motion-api's dynamixel driver, on a stepped clock. The contract suite runs over every
// transport listed in DYNAMIXEL_TRANSPORTS (describe.each); each gives the same rig.

import { silentLogger } from '@servo-edge/common/log';
import { ManualClock } from '@servo-edge/common/testing';
import {
  createMotionService,
  type MotionConfig,
  type MotionService,
  type MotionServiceEvent,
  parseMotionConfig,
} from '@servo-edge/motion-api';
import { dynamixelAxis } from '@servo-edge/motion-api/testing';
import {
  createDynamixelBusModel,
  type DynamixelBusModel,
  type DynamixelServoSpec,
} from '@servo-edge/simulator';
import { MemoryTransports, type PipeDevice } from './memory-transports.js';
import { settle, stepUntil } from './settle.js';

export const DYNAMIXEL_PATH = 'mem://u2d2';
export const DYNAMIXEL_BAUD = 1_000_000;

// biome-ignore lint/suspicious/noExplicitAny: tests patch arbitrary config shapes.
export type RawConfig = Record<string, any>;

export interface DynamixelRigOptions {
  /** The servos on the bus (default ID 1 XL430-W250, ID 2 XM430-W350). */
  servos?: DynamixelServoSpec[];
  patch?: (raw: RawConfig) => void;
  /** A device in place of the bus model. */
  device?: (write: (bytes: Uint8Array) => void) => PipeDevice;
  waitReady?: boolean;
}

export interface DynamixelRig {
  clock: ManualClock;
  bus: DynamixelBusModel | undefined;
  config: MotionConfig;
  service: MotionService;
  events: MotionServiceEvent[];
  transports: MemoryTransports;
  /** The next status packet from the bus reaches the host with one byte flipped (a CRC error). */
  damageNextAnswer(): void;
  unplug(): void;
  replug(): void;
  until(condition: () => boolean, what: string, maxMs?: number): Promise<number>;
  /**
   * Awaits a service call while stepping the clock: the bus answers after its return delay and the
   * time its packets take on the line, both on the stepped clock.
   */
  call<T>(promise: Promise<T>): Promise<T>;
  /** A new motion service (the old one closed) on the same bus, with `patch` applied to its config. */
  restart(patch?: (raw: RawConfig) => void): Promise<void>;
  close(): Promise<void>;
}

export interface DynamixelRigTransport {
  name: string;
  skipReason: string | undefined;
  rig(options?: DynamixelRigOptions): Promise<DynamixelRig>;
}

/** dxl1 (XL430-W250) holds on the software stop; dxl2 (XM430-W350) goes limp. */
export function dynamixelRawConfig(): RawConfig {
  return {
    http: { host: '127.0.0.1', port: 0 },
    auth: { disabled: true },
    controllers: [
      {
        id: 'bus',
        driver: 'dynamixel',
        path: DYNAMIXEL_PATH,
        baud: DYNAMIXEL_BAUD,
        streamHz: 50,
        replyTimeoutMs: 20,
        maxRetransmits: 2,
        watchdogMs: 100,
      },
    ],
    axes: [
      dynamixelAxis('bus', 1, 'XL430-W250'),
      dynamixelAxis('bus', 2, 'XM430-W350', { softwareStop: 'limp' }),
    ],
    reconnect: { initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, connectTimeoutMs: 500 },
    moves: { pollIntervalMs: 1000 },
  };
}

export const memoryDynamixelTransport: DynamixelRigTransport = {
  name: 'in-memory pipe',
  skipReason: undefined,
  async rig(options = {}) {
    const clock = new ManualClock();
    const transports = new MemoryTransports();
    const toHost = transports.toHost(DYNAMIXEL_PATH);
    let damage = false;
    const write = (bytes: Uint8Array) => {
      if (damage && bytes.length > 8) {
        damage = false;
        const copy = Uint8Array.from(bytes);
        copy[8] = copy[8]! ^ 0x01;
        toHost(copy);
        return;
      }
      toHost(bytes);
    };
    let bus: DynamixelBusModel | undefined;
    if (options.device) transports.add(DYNAMIXEL_PATH, options.device(write));
    else {
      bus = createDynamixelBusModel({
        clock,
        write,
        baud: DYNAMIXEL_BAUD,
        servos: options.servos ?? [
          { id: 1, model: 'XL430-W250' },
          { id: 2, model: 'XM430-W350' },
        ],
      });
      bus.start();
      transports.add(DYNAMIXEL_PATH, bus);
    }
    const until = (condition: () => boolean, what: string, maxMs = 10_000) =>
      stepUntil(clock, condition, what, { maxMs });
    const make = async (patch?: (raw: RawConfig) => void) => {
      const raw = dynamixelRawConfig();
      options.patch?.(raw);
      patch?.(raw);
      const config = parseMotionConfig(raw);
      const service = createMotionService(config, { transports, clock, log: silentLogger });
      service.subscribe((event) => rig.events.push(event));
      await service.start();
      return { config, service };
    };
    const rig: DynamixelRig = {
      clock,
      bus,
      config: undefined as unknown as MotionConfig,
      service: undefined as unknown as MotionService,
      events: [],
      transports,
      damageNextAnswer: () => {
        damage = true;
      },
      unplug: () => transports.unplug(DYNAMIXEL_PATH),
      replug: () => transports.replug(DYNAMIXEL_PATH),
      until,
      async call(promise) {
        let settled = false;
        const tracked = promise.finally(() => {
          settled = true;
        });
        tracked.catch(() => {});
        await until(() => settled, 'the call to settle');
        return tracked;
      },
      async restart(patch) {
        await rig.service.close();
        rig.events.length = 0;
        Object.assign(rig, await make(patch));
      },
      async close() {
        await rig.service.close();
        bus?.close();
      },
    };
    Object.assign(rig, await make());
    if (options.waitReady !== false)
      await until(() => rig.service.isReady(), 'the Dynamixel bus is ready', 5000);
    await settle();
    return rig;
  },
};

export const DYNAMIXEL_TRANSPORTS: DynamixelRigTransport[] = [memoryDynamixelTransport];
