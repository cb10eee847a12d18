// A motion service driving a simulated Dynamixel bus (the simulator's independent model, STYLE.md lesson
// 16) through motion-api's dynamixel driver. The contract suite runs over every transport in
// DYNAMIXEL_TRANSPORTS (describe.each): an in-memory pipe and the simulator's binding on a stepped clock,
// and a real pty in real time. Each gives the same rig.

import type { Clock } from '@servo-edge/common/clock';
import { silentLogger } from '@servo-edge/common/log';
import {
  createMotionService,
  type MotionConfig,
  type MotionService,
  type MotionServiceEvent,
  parseMotionConfig,
  type TransportFactory,
} from '@servo-edge/motion-api';
import { dynamixelAxis } from '@servo-edge/motion-api/testing';
import {
  createDynamixelBusModel,
  createDynamixelLink,
  type DynamixelBusModel,
  type DynamixelServoSpec,
} from '@servo-edge/simulator';
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

export const DYNAMIXEL_PATH = 'mem://u2d2';
export const DYNAMIXEL_BAUD = 1_000_000;
const DEFAULT_SERVOS: DynamixelServoSpec[] = [
  { id: 1, model: 'XL430-W250' },
  { id: 2, model: 'XM430-W350' },
];

// biome-ignore lint/suspicious/noExplicitAny: tests patch arbitrary config shapes.
export type RawConfig = Record<string, any>;

export interface DynamixelRigOptions {
  /** The servos on the bus (default ID 1 XL430-W250, ID 2 XM430-W350). */
  servos?: DynamixelServoSpec[];
  patch?: (raw: RawConfig) => void;
  /** A device in place of the bus model; only where `customDevices`. */
  device?: (write: (bytes: Uint8Array) => void) => PipeDevice;
  waitReady?: boolean;
}

export interface DynamixelRig extends SuiteTime {
  clock: Clock;
  bus: DynamixelBusModel | undefined;
  config: MotionConfig;
  service: MotionService;
  events: MotionServiceEvent[];
  /** Every write of the host to the bus, in order. */
  written(): Buffer[];
  /**
   * The next status packet from the bus does not arrive intact: `crc` when it is damaged (one byte
   * flipped), `lost` when the transport can only drop it.
   */
  spoilNextAnswer(): 'crc' | 'lost';
  unplug(): void;
  replug(): void;
  /** Awaits a service call while time runs (stepped, or real). */
  call<T>(promise: Promise<T>): Promise<T>;
  /** A new motion service (the old one closed) on the same bus, with `patch` applied to its config. */
  restart(patch?: (raw: RawConfig) => void): Promise<void>;
  close(): Promise<void>;
}

export interface DynamixelRigTransport {
  name: string;
  skipReason: string | undefined;
  customDevices: boolean;
  rig(options?: DynamixelRigOptions): Promise<DynamixelRig>;
}

/** dxl1 (XL430-W250) holds on the software stop; dxl2 (XM430-W350) goes limp. */
export function dynamixelRawConfig(path: string, stepped: boolean): RawConfig {
  return {
    http: { host: '127.0.0.1', port: 0 },
    auth: { disabled: true },
    controllers: [
      {
        id: 'bus',
        driver: 'dynamixel',
        path,
        baud: DYNAMIXEL_BAUD,
        streamHz: 50,
        // A pty on a loaded machine answers in milliseconds; the watchdog must not trip on a slow turn.
        replyTimeoutMs: stepped ? 20 : 250,
        maxRetransmits: 2,
        watchdogMs: stepped ? 100 : 1000,
      },
    ],
    axes: [
      dynamixelAxis('bus', 1, 'XL430-W250'),
      dynamixelAxis('bus', 2, 'XM430-W350', { softwareStop: 'limp' }),
    ],
    reconnect: { initialDelayMs: 100, maxDelayMs: 400, multiplier: 2, connectTimeoutMs: 2000 },
    moves: { pollIntervalMs: 1000 },
  };
}

interface Far {
  path: string;
  transports: TransportFactory;
  written(): Buffer[];
  bus: DynamixelBusModel | undefined;
  spoilNextAnswer(): 'crc' | 'lost';
  unplug(): void;
  replug(): void;
  close(): Promise<void>;
}

async function rigOn(time: SuiteTime, far: Far, options: DynamixelRigOptions): Promise<DynamixelRig> {
  const make = async (patch?: (raw: RawConfig) => void) => {
    const raw = dynamixelRawConfig(far.path, time.stepped);
    options.patch?.(raw);
    patch?.(raw);
    const config = parseMotionConfig(raw);
    const service = createMotionService(config, {
      transports: far.transports,
      clock: time.clock,
      log: silentLogger,
    });
    service.subscribe((event) => rig.events.push(event));
    await service.start();
    return { config, service };
  };
  const rig: DynamixelRig = {
    ...time,
    bus: far.bus,
    config: undefined as unknown as MotionConfig,
    service: undefined as unknown as MotionService,
    events: [],
    written: far.written,
    spoilNextAnswer: far.spoilNextAnswer,
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
    async restart(patch) {
      await rig.service.close();
      rig.events.length = 0;
      Object.assign(rig, await make(patch));
    },
    async close() {
      await rig.service.close();
      await far.close();
    },
  };
  Object.assign(rig, await make());
  if (options.waitReady !== false)
    await time.until(() => rig.service.isReady(), 'the Dynamixel bus is ready', 5000);
  await settle();
  return rig;
}

export const memoryDynamixelTransport: DynamixelRigTransport = {
  name: 'in-memory pipe',
  skipReason: undefined,
  customDevices: true,
  async rig(options = {}) {
    const time = steppedTime();
    const transports = new MemoryTransports();
    const toHost = transports.toHost(DYNAMIXEL_PATH);
    let damage = false;
    const write = (bytes: Uint8Array) => {
      if (damage && bytes.length > 8) {
        damage = false;
        const copy = Uint8Array.from(bytes);
        // The error byte of a status packet: its CRC no longer matches.
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
        clock: time.clock,
        write,
        baud: DYNAMIXEL_BAUD,
        servos: options.servos ?? DEFAULT_SERVOS,
      });
      bus.start();
      transports.add(DYNAMIXEL_PATH, bus);
    }
    return rigOn(
      time,
      {
        path: DYNAMIXEL_PATH,
        transports,
        written: () => transports.written(DYNAMIXEL_PATH),
        bus,
        spoilNextAnswer: () => {
          damage = true;
          return 'crc';
        },
        unplug: () => transports.unplug(DYNAMIXEL_PATH),
        replug: () => transports.replug(DYNAMIXEL_PATH),
        close: async () => bus?.close(),
      },
      options,
    );
  },
};

/** A Dynamixel link of the simulator (models/dynamixel at the end of its paced wire) on `time`'s clock. */
async function dynamixelLinkFar(
  time: SuiteTime,
  options: DynamixelRigOptions,
  serve: (link: ReturnType<typeof createDynamixelLink>) => Promise<LinkEnd>,
): Promise<Far> {
  const link = createDynamixelLink({
    id: nextLinkId('dxl'),
    clock: time.clock,
    baud: DYNAMIXEL_BAUD,
    servos: (options.servos ?? DEFAULT_SERVOS).map((s) => ({ ...s, model: s.model ?? 'XM430-W350' })),
  });
  const end = await serve(link);
  return {
    path: end.path,
    transports: end.transports,
    written: () => (end.transports as RecordingTransports).writes,
    bus: link.bus,
    spoilNextAnswer: () => {
      link.faults.withholdNextReply();
      return 'lost';
    },
    unplug: end.unplug,
    replug: end.replug,
    close: end.close,
  };
}

export const bindingDynamixelTransport: DynamixelRigTransport = {
  name: 'simulator binding (sim://dynamixel/<id>)',
  skipReason: undefined,
  customDevices: false,
  async rig(options = {}) {
    const time = steppedTime();
    return rigOn(time, await dynamixelLinkFar(time, options, bindingEnd), options);
  },
};

export const ptyDynamixelTransport: DynamixelRigTransport = {
  name: 'pty (socat + native bindings)',
  skipReason: PTY_SKIP_REASON,
  customDevices: false,
  async rig(options = {}) {
    const time = realTime();
    return rigOn(time, await dynamixelLinkFar(time, options, ptyEnd), options);
  },
};

export const DYNAMIXEL_TRANSPORTS: DynamixelRigTransport[] = [
  memoryDynamixelTransport,
  bindingDynamixelTransport,
  ptyDynamixelTransport,
];
