// The ways a driver suite reaches a simulated device, beside the in-memory pipe (memory-transports.ts):
// the simulator's in-process serialport binding (`sim://maestro/<id>`, `sim://dynamixel/<id>`, on a
// stepped clock), and a real pty served by the simulator's pty server (socat) and opened with
// serialport's native binding, in real time. The motion service takes the same serial transport code
// for both (createSerialTransportFactory), wrapped to record what the host wrote.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@servo-edge/common/clock';
import { systemClock } from '@servo-edge/common/clock';
import { ManualClock, socatSkipReason } from '@servo-edge/common/testing';
import {
  createSerialTransportFactory,
  type LinkTransport,
  type SerialBinding,
  type TransportFactory,
  type TransportHandlers,
  type TransportOpenOptions,
} from '@servo-edge/motion-api';
import {
  type AnySimulatedLink,
  createPtyServer,
  createSimulatorBinding,
  SimulatorRegistry,
} from '@servo-edge/simulator';
import { settle, stepUntil } from './settle.js';

/** A TransportFactory that records every write, in order. */
export class RecordingTransports implements TransportFactory {
  readonly writes: Buffer[] = [];

  constructor(private readonly inner: TransportFactory) {}

  async open(options: TransportOpenOptions, handlers: TransportHandlers): Promise<LinkTransport> {
    const transport = await this.inner.open(options, handlers);
    return {
      write: (bytes) => {
        this.writes.push(Buffer.from(bytes));
        transport.write(bytes);
      },
      close: () => transport.close(),
    };
  }
}

/** Time as a suite sees it: stepped (deterministic) or real. */
export interface SuiteTime {
  clock: Clock;
  /** True when the clock is stepped: durations are exact, so timing can be asserted closely. */
  stepped: boolean;
  /** Until `condition` holds; resolves with the clock's milliseconds it took; throws past `maxMs`. */
  until(condition: () => boolean, what: string, maxMs?: number): Promise<number>;
}

export function steppedTime(clock = new ManualClock()): SuiteTime & { clock: ManualClock } {
  return {
    clock,
    stepped: true,
    until: (condition, what, maxMs = 10_000) => stepUntil(clock, condition, what, { maxMs }),
  };
}

/** Real time for a real pty: the condition is checked every few milliseconds, bounded. */
export function realTime(): SuiteTime {
  return {
    clock: systemClock,
    stepped: false,
    async until(condition, what, maxMs = 10_000) {
      const start = systemClock.monotonicMs();
      await settle();
      while (!condition()) {
        if (systemClock.monotonicMs() - start > maxMs)
          throw new Error(`gave up waiting for ${what} after ${maxMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return systemClock.monotonicMs() - start;
    },
  };
}

/** A simulated link reached through a real transport. */
export interface LinkEnd {
  path: string;
  transports: RecordingTransports;
  unplug(): void;
  replug(): void;
  close(): Promise<void>;
}

let counter = 0;
export const nextLinkId = (model: string) => `${model}${++counter}`;

/** The link in a registry, opened through the simulator's serialport binding at its sim:// path. */
export async function bindingEnd(link: AnySimulatedLink): Promise<LinkEnd> {
  const registry = new SimulatorRegistry();
  registry.add(link);
  await link.start();
  const binding = createSimulatorBinding(registry) as unknown as SerialBinding;
  return {
    path: link.path,
    transports: new RecordingTransports(createSerialTransportFactory({ simulatorBinding: binding })),
    unplug: () => link.faults.unplug(),
    replug: () => link.faults.replug(),
    close: () => registry.closeAll(),
  };
}

export const PTY_SKIP_REASON = socatSkipReason();

/** The link served on a pty by the simulator's pty server, opened with the native binding. */
export async function ptyEnd(link: AnySimulatedLink): Promise<LinkEnd> {
  const dir = await mkdtemp(join(tmpdir(), 'drivers-pty-'));
  const linkPath = join(dir, 'tty');
  await link.start();
  const server = createPtyServer(link, { linkPath });
  await server.start();
  return {
    path: linkPath,
    transports: new RecordingTransports(createSerialTransportFactory()),
    unplug: () => link.faults.unplug(),
    replug: () => link.faults.replug(),
    async close() {
      await server.close();
      await link.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
