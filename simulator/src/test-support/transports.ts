// The two transports the protocol contract suite runs over: the in-process serialport binding, and a
// real pty (socat) opened with serialport's native bindings (@serialport/bindings-cpp).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { socatSkipReason } from '@servo-edge/common/testing';
import { SimulatorRegistry } from '../binding/registry.js';
import { createSimulatorBinding } from '../binding/simulator-binding.js';
import type { SimulatedControllerOptions } from '../config.js';
import { createSimulatedController } from '../controller.js';
import { createPtyServer } from '../pty/pty-server.js';
import type { SimulatedController } from '../types.js';

export interface TransportRig {
  controller: SimulatedController;
  /** The path a client opens. */
  path: string;
  /** A new, unopened (autoOpen: false) SerialPortStream to the controller. */
  port(): SerialPortStream;
  /** Resolves once the transport has caught up with the last unplug or replug. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface ContractTransport {
  name: string;
  /** Why this transport cannot run here, or undefined. */
  skipReason: string | undefined;
  rig(options: Omit<SimulatedControllerOptions, 'id'>): Promise<TransportRig>;
}

let counter = 0;
const nextId = () => `contract${++counter}`;

export const bindingTransport: ContractTransport = {
  name: 'in-process binding',
  skipReason: undefined,
  async rig(options) {
    const registry = new SimulatorRegistry();
    const binding = createSimulatorBinding(registry);
    const controller = registry.create({ id: nextId(), ...options });
    await controller.start();
    return {
      controller,
      path: controller.path,
      port: () =>
        new SerialPortStream({ binding, path: controller.path, baudRate: controller.baud, autoOpen: false }),
      settled: async () => {},
      close: () => registry.closeAll(),
    };
  },
};

export const ptyTransport: ContractTransport = {
  name: 'pty (socat + native bindings)',
  skipReason: socatSkipReason(),
  async rig(options) {
    const dir = await mkdtemp(join(tmpdir(), 'servo-sim-'));
    const linkPath = join(dir, 'tty');
    const controller = createSimulatedController({ id: nextId(), ...options });
    await controller.start();
    const server = createPtyServer(controller, { linkPath });
    await server.start();
    const binding = autoDetect();
    return {
      controller,
      path: linkPath,
      port: () =>
        new SerialPortStream({ binding, path: linkPath, baudRate: controller.baud, autoOpen: false }),
      settled: () => server.ready(),
      async close() {
        await server.close();
        await controller.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};
