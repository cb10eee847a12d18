// The two ways the integration tests reach a simulated controller, through the same motion service:
// the simulator's in-process serialport binding (sim://) and a real pty opened with the native
// binding. Each rig builds the motion service and app on top; tests run unchanged on both.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@servo-edge/common/log';
import { socatSkipReason } from '@servo-edge/common/testing';
import {
  buildApp,
  createMotionService,
  type MotionConfig,
  type MotionService,
  parseMotionConfig,
  type SerialBinding,
} from '@servo-edge/motion-api';
import { armAxis, conveyorAxis } from '@servo-edge/motion-api/testing';
import {
  createPtyServer,
  createSimulatedController,
  createSimulatorBinding,
  type SimulatedController,
  type SimulatedControllerOptions,
  SimulatorRegistry,
} from '@servo-edge/simulator';
import type { FastifyInstance } from 'fastify';

export const OPERATOR_KEY = 'integration-operator-key-0123';
export const ADMIN_KEY = 'integration-admin-key-0123456';
export const AS_OPERATOR = { authorization: `Bearer ${OPERATOR_KEY}` };
export const AS_ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };

export interface Rig {
  controller: SimulatedController;
  service: MotionService;
  app: FastifyInstance;
  config: MotionConfig;
  close(): Promise<void>;
}

export interface RigTransport {
  name: string;
  skipReason: string | undefined;
  rig(
    options: Omit<SimulatedControllerOptions, 'id'>,
    patch?: (raw: Record<string, unknown>) => void,
  ): Promise<Rig>;
}

let counter = 0;

/** conveyor (axis 1, mm) and arm (axis 2, deg) on one controller; fast reconnects for real-time tests. */
function motionConfig(path: string, patch: (raw: Record<string, unknown>) => void = () => {}): MotionConfig {
  const raw: Record<string, unknown> = {
    auth: {
      keys: [
        { id: 'op', key: OPERATOR_KEY, role: 'operator' },
        { id: 'admin', key: ADMIN_KEY, role: 'admin' },
      ],
      rateLimit: { maxRequests: 100_000, windowMs: 60_000 },
    },
    controllers: [{ id: 'ctrl1', path, replyTimeoutMs: 100, streamHz: 20, watchdogMs: 5000 }],
    axes: [conveyorAxis('ctrl1'), armAxis('ctrl1')],
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, multiplier: 2, connectTimeoutMs: 2000 },
    moves: { historySize: 10_000, maxWaitMs: 20_000 },
    logLevel: 'silent',
  };
  patch(raw);
  return parseMotionConfig(raw);
}

async function withService(
  controller: SimulatedController,
  path: string,
  simulatorBinding: SerialBinding | undefined,
  patch: ((raw: Record<string, unknown>) => void) | undefined,
  closeTransport: () => Promise<void>,
): Promise<Rig> {
  const config = motionConfig(path, patch);
  const service = createMotionService(config, { simulatorBinding });
  await service.start();
  if (!(await service.whenReady(10_000))) throw new Error(`motion service did not come up on ${path}`);
  const app = buildApp({ service, logger: silentLogger });
  return {
    controller,
    service,
    app,
    config,
    async close() {
      await app.close();
      await service.close();
      await closeTransport();
    },
  };
}

export const bindingTransport: RigTransport = {
  name: 'in-process binding',
  skipReason: undefined,
  async rig(options, patch) {
    const registry = new SimulatorRegistry();
    const controller = registry.create({ id: `motion${++counter}`, ...options });
    await controller.start();
    const binding = createSimulatorBinding(registry) as unknown as SerialBinding;
    return withService(controller, controller.path, binding, patch, () => registry.closeAll());
  },
};

export const ptyTransport: RigTransport = {
  name: 'pty (socat + native bindings)',
  skipReason: socatSkipReason(),
  async rig(options, patch) {
    const dir = await mkdtemp(join(tmpdir(), 'motion-pty-'));
    const linkPath = join(dir, 'ttyCTRL1');
    const controller = createSimulatedController({ id: `motionpty${++counter}`, ...options });
    await controller.start();
    // The simulator's own pty server: socat makes the pty, an unplug removes it, a replug makes a new one.
    const server = createPtyServer(controller, { linkPath });
    await server.start();
    return withService(controller, linkPath, undefined, patch, async () => {
      await server.close();
      await controller.close();
      await rm(dir, { recursive: true, force: true });
    });
  },
};

export const TRANSPORTS = [bindingTransport, ptyTransport];

/** Resolves when `predicate` holds for the service (checked on every service event), or rejects after timeoutMs. */
export function serviceReaches(
  service: MotionService,
  predicate: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = service.subscribe(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}
