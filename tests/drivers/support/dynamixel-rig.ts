// A motion service driving a simulated Dynamixel bus (the simulator's independent model, STYLE.md lesson
// 16) through motion-api's dynamixel driver. The contract suite runs over every transport in
// DYNAMIXEL_TRANSPORTS (describe.each): an in-memory pipe and the simulator's binding on a stepped clock,
// and a real pty in real time. Each gives the same rig.

import { dynamixelAxis } from '@servo-edge/motion-api/testing';
import {
  createDynamixelBusModel,
  createDynamixelLink,
  type DynamixelBusModel,
  type DynamixelServoSpec,
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

export const DYNAMIXEL_PATH = 'mem://u2d2';
export const DYNAMIXEL_BAUD = 1_000_000;
const DEFAULT_SERVOS: DynamixelServoSpec[] = [
  { id: 1, model: 'XL430-W250' },
  { id: 2, model: 'XM430-W350' },
];

export interface DynamixelRigOptions extends ServiceRigOptions {
  /** The servos on the bus (default ID 1 XL430-W250, ID 2 XM430-W350). */
  servos?: DynamixelServoSpec[];
  /** A device in place of the bus model; only where `customDevices`. */
  device?: (write: (bytes: Uint8Array) => void) => PipeDevice;
}

export interface DynamixelRig extends ServiceRig {
  bus: DynamixelBusModel | undefined;
  /**
   * The next status packet from the bus does not arrive intact: `crc` when it is damaged (one byte
   * flipped), `lost` when the transport can only drop it.
   */
  spoilNextAnswer(): 'crc' | 'lost';
}

export type DynamixelRigTransport = RigTransport<DynamixelRig, DynamixelRigOptions>;

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

/** What the Dynamixel rig adds to the service rig: the bus, and a way to spoil an answer. */
interface BusEnd {
  bus: DynamixelBusModel | undefined;
  spoilNextAnswer(): 'crc' | 'lost';
}

async function rigOn(
  time: SuiteTime,
  far: FarEnd,
  busEnd: BusEnd,
  options: DynamixelRigOptions,
): Promise<DynamixelRig> {
  const rig = await serviceRig(
    time,
    far,
    () => dynamixelRawConfig(far.path, time.stepped),
    options,
    'the Dynamixel bus',
  );
  return Object.assign(rig, busEnd);
}

/** The far end's bus, and a lost answer (the simulator's wire can only withhold one, not damage it). */
function linkBusEnd(link: ReturnType<typeof createDynamixelLink>): BusEnd {
  return {
    bus: link.bus,
    spoilNextAnswer: () => {
      link.faults.withholdNextReply();
      return 'lost';
    },
  };
}

export const DYNAMIXEL_TRANSPORTS: DynamixelRigTransport[] = rigTransports<DynamixelRig, DynamixelRigOptions>(
  {
    simPath: 'sim://dynamixel/<id>',
    async memory(time, options) {
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
      const far: FarEnd = {
        path: DYNAMIXEL_PATH,
        transports,
        written: () => transports.written(DYNAMIXEL_PATH),
        unplug: () => transports.unplug(DYNAMIXEL_PATH),
        replug: () => transports.replug(DYNAMIXEL_PATH),
        close: async () => bus?.close(),
      };
      const spoilNextAnswer = () => {
        damage = true;
        return 'crc' as const;
      };
      return rigOn(time, far, { bus, spoilNextAnswer }, options);
    },
    // A Dynamixel link of the simulator: models/dynamixel at the end of its paced wire, on `time`'s clock.
    async simulated(time, options, serve) {
      const link = createDynamixelLink({
        id: nextLinkId('dxl'),
        clock: time.clock,
        baud: DYNAMIXEL_BAUD,
        servos: (options.servos ?? DEFAULT_SERVOS).map((s) => ({ ...s, model: s.model ?? 'XM430-W350' })),
      });
      return rigOn(time, await simulatedFar(link, serve), linkBusEnd(link), options);
    },
  },
);
