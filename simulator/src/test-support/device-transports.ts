// The two transports the device contract suite runs a Maestro or a Dynamixel link over: the in-process
// serialport binding, and a real pty (socat) opened with serialport's native bindings — the same two as
// the protocol v1 contract suite (transports.ts), for any link.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { socatSkipReason } from '@servo-edge/common/testing';
import { SimulatorRegistry } from '../binding/registry.js';
import { createSimulatorBinding } from '../binding/simulator-binding.js';
import { createPtyServer } from '../pty/pty-server.js';
import type { SimulatedLink } from '../types.js';

export interface LinkRig<L extends SimulatedLink> {
  link: L;
  /** The path a client opens. */
  path: string;
  /** A new, unopened (autoOpen: false) SerialPortStream to the link. */
  port(): SerialPortStream;
  /** Resolves once the transport has caught up with the last unplug or replug. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface LinkTransport {
  name: string;
  /** Why this transport cannot run here, or undefined. */
  skipReason: string | undefined;
  /** Creates (with a fresh id), starts and serves a link. */
  rig<L extends SimulatedLink>(create: (id: string) => L): Promise<LinkRig<L>>;
}

let counter = 0;
const nextId = () => `device${++counter}`;

export const bindingLinkTransport: LinkTransport = {
  name: 'in-process binding',
  skipReason: undefined,
  async rig(create) {
    const registry = new SimulatorRegistry();
    const binding = createSimulatorBinding(registry);
    const link = registry.add(create(nextId()));
    await link.start();
    return {
      link,
      path: link.path,
      port: () => new SerialPortStream({ binding, path: link.path, baudRate: link.baud, autoOpen: false }),
      settled: async () => {},
      close: () => registry.closeAll(),
    };
  },
};

export const ptyLinkTransport: LinkTransport = {
  name: 'pty (socat + native bindings)',
  skipReason: socatSkipReason(),
  async rig(create) {
    const dir = await mkdtemp(join(tmpdir(), 'servo-sim-device-'));
    const linkPath = join(dir, 'tty');
    const link = create(nextId());
    await link.start();
    const server = createPtyServer(link, { linkPath });
    await server.start();
    const binding = autoDetect();
    return {
      link,
      path: linkPath,
      port: () => new SerialPortStream({ binding, path: linkPath, baudRate: link.baud, autoOpen: false }),
      settled: () => server.ready(),
      async close() {
        await server.close();
        await link.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
