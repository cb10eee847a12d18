// What every driver rig shares, whatever device stands at the far end: a motion service (and its REST
// app, built without listening) on the suite's time, over the far end's transports, with its events
// recorded; awaiting a service call while time runs; restarting the service on the same device; and the
// far end reached through the simulator (its binding or a pty). The Maestro and Dynamixel rigs add only
// their device and its config.

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
import type { AnySimulatedLink } from '@servo-edge/simulator';
import type { FastifyInstance } from 'fastify';
import {
  bindingEnd,
  type LinkEnd,
  PTY_SKIP_REASON,
  ptyEnd,
  realTime,
  type SuiteTime,
  steppedTime,
} from './link-transports.js';
import { settle } from './settle.js';

// biome-ignore lint/suspicious/noExplicitAny: tests patch arbitrary config shapes.
export type RawConfig = Record<string, any>;

/** What a rig is asked for, whatever the device. */
export interface ServiceRigOptions {
  /** Changes to the raw motion config before it is parsed. */
  patch?: (raw: RawConfig) => void;
  /** Wait for the link to be ready (default true). */
  waitReady?: boolean;
}

/** The device end of the rig: where the service's transports lead. */
export interface FarEnd {
  path: string;
  transports: TransportFactory;
  /** Every write of the host to the device, in order. */
  written(): Buffer[];
  unplug(): void;
  replug(): void;
  close(): Promise<void>;
}

export interface ServiceRig extends SuiteTime {
  config: MotionConfig;
  service: MotionService;
  /** The REST app over `service` (inject(), never listening). */
  app: FastifyInstance;
  events: MotionServiceEvent[];
  /** Every write of the host to the device, in order. */
  written(): Buffer[];
  unplug(): void;
  replug(): void;
  /** Awaits a service call while time runs (stepped, or real). */
  call<T>(promise: Promise<T>): Promise<T>;
  /** A new motion service (the old one closed) on the same device, with `patch` applied to its config. */
  restart(patch?: (raw: RawConfig) => void): Promise<void>;
  close(): Promise<void>;
}

/** A rig transport of a contract suite (describe.each). */
export interface RigTransport<R, O> {
  name: string;
  skipReason: string | undefined;
  /** A custom device (one that answers garbage) can stand at the far end. */
  customDevices: boolean;
  rig(options?: O): Promise<R>;
}

/**
 * A motion service over `far`, its config from `rawConfig()` with the options' patch; ready unless
 * `waitReady` is false (`what` names the link in a timeout).
 */
export async function serviceRig(
  time: SuiteTime,
  far: FarEnd,
  rawConfig: () => RawConfig,
  options: ServiceRigOptions,
  what: string,
): Promise<ServiceRig> {
  const make = async (patch?: (raw: RawConfig) => void) => {
    const raw = rawConfig();
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
    const app = buildApp({ service, clock: time.clock, logger: silentLogger });
    return { config, service, app };
  };
  const rig: ServiceRig = {
    ...time,
    config: undefined as unknown as MotionConfig,
    service: undefined as unknown as MotionService,
    app: undefined as unknown as FastifyInstance,
    events: [],
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
    async restart(patch) {
      await rig.app.close();
      await rig.service.close();
      rig.events.length = 0;
      Object.assign(rig, await make(patch));
    },
    async close() {
      await rig.app.close();
      await rig.service.close();
      await far.close();
    },
  };
  Object.assign(rig, await make());
  if (options.waitReady !== false) await time.until(() => rig.service.isReady(), `${what} is ready`, 5000);
  await settle();
  return rig;
}

/** How a rig is built over each way to the device. */
export interface RigSpec<R, O> {
  /** The simulator's path form, for the binding transport's name (`sim://maestro/<id>`). */
  simPath: string;
  /** The device model at the end of an in-memory pipe, on a stepped clock (`customDevices`). */
  memory(time: SuiteTime, options: O): Promise<R>;
  /** The device as a simulator link, reached through `serve` (the binding, or a pty). */
  simulated(time: SuiteTime, options: O, serve: (link: AnySimulatedLink) => Promise<LinkEnd>): Promise<R>;
}

/**
 * The transports a contract suite runs over (describe.each): an in-memory pipe and the simulator's
 * binding on a stepped clock, and a real pty in real time.
 */
export function rigTransports<R, O>(spec: RigSpec<R, O>): RigTransport<R, O>[] {
  return [
    {
      name: 'in-memory pipe',
      skipReason: undefined,
      customDevices: true,
      rig: (options = {} as O) => spec.memory(steppedTime(), options),
    },
    {
      name: `simulator binding (${spec.simPath})`,
      skipReason: undefined,
      customDevices: false,
      rig: (options = {} as O) => spec.simulated(steppedTime(), options, bindingEnd),
    },
    {
      name: 'pty (socat + native bindings)',
      skipReason: PTY_SKIP_REASON,
      customDevices: false,
      rig: (options = {} as O) => spec.simulated(realTime(), options, ptyEnd),
    },
  ];
}

/** The far end of a simulator link served by `serve` (the binding, or a pty): what the host wrote is recorded. */
export async function simulatedFar<L extends AnySimulatedLink>(
  link: L,
  serve: (link: L) => Promise<LinkEnd>,
): Promise<FarEnd> {
  const end = await serve(link);
  return {
    path: end.path,
    transports: end.transports,
    written: () => end.transports.writes,
    unplug: end.unplug,
    replug: end.replug,
    close: end.close,
  };
}
