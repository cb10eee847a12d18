// A motion service on two fake controllers and a stepped clock, and the app built on it, for
// service and route tests.

import { silentLogger } from '@servo-edge/common/log';
import { ManualClock } from '@servo-edge/common/testing';
import type { FastifyInstance } from 'fastify';
import type { MotionConfig } from '../config/schema.js';
import type { DriverFactory } from '../drivers/create-driver.js';
import type { DriverKind } from '../drivers/driver.js';
import { type BuildAppDeps, buildApp } from '../http/app.js';
import { createMotionService, type MotionService } from '../motion/motion-service.js';
import type { MotionServiceEvent } from '../motion/types.js';
import { KEYS, testConfig } from '../testing/config.js';
import { FakeController, type FakeControllerOptions, FakeTransports } from './fake-controller.js';
import { settle } from './settle.js';

export interface Harness {
  clock: ManualClock;
  transports: FakeTransports;
  ctrl1: FakeController;
  ctrl2: FakeController;
  config: MotionConfig;
  service: MotionService;
  events: MotionServiceEvent[];
  app: FastifyInstance;
  /** Advances the stepped clock to its next timer and lets the I/O it caused run. */
  step(): Promise<void>;
  /** Steps the clock until `condition` holds (bounded). */
  stepUntil(condition: () => boolean, maxSteps?: number): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  patch?: (raw: Record<string, unknown>) => void;
  app?: Partial<BuildAppDeps>;
  queueDepth?: number;
  /** The fake controllers' highest protocol version (§v2 Negotiation). Default 1: v1 devices. */
  maxProtocol?: 1 | 2;
  /** Per-device options beyond maxProtocol (v2 features, event window). */
  device?: Omit<FakeControllerOptions, 'maxProtocol'>;
  /** Replaces a kind's driver (a servo-edge driver that declares less, for example). */
  drivers?: Partial<Record<DriverKind, DriverFactory>>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock();
  const transports = new FakeTransports();
  const deviceOptions: FakeControllerOptions = { ...options.device, maxProtocol: options.maxProtocol ?? 1 };
  const ctrl1 = transports.add(
    'fake://ctrl1',
    new FakeController('ctrl1', 4, options.queueDepth ?? 4, clock, deviceOptions),
  );
  const ctrl2 = transports.add(
    'fake://ctrl2',
    new FakeController('ctrl2', 2, options.queueDepth ?? 4, clock, deviceOptions),
  );
  const config = testConfig(options.patch);
  const service = createMotionService(config, { transports, clock, drivers: options.drivers });
  const events: MotionServiceEvent[] = [];
  service.subscribe((e) => events.push(e));
  await service.start();
  if (!(await service.whenReady(1000))) throw new Error('harness controllers did not come up');
  const app = buildApp({ service, clock, logger: silentLogger, ...options.app });
  const step = async () => {
    const next = clock.nextTimerAtMs();
    if (next === undefined) throw new Error('no timer pending');
    clock.advanceTo(next);
    await settle();
  };
  return {
    clock,
    transports,
    ctrl1,
    ctrl2,
    config,
    service,
    events,
    app,
    step,
    async stepUntil(condition, maxSteps = 50) {
      for (let i = 0; i < maxSteps && !condition(); i++) await step();
      if (!condition()) throw new Error('condition not reached');
    },
    async close() {
      await app.close();
      await service.close();
    },
  };
}

export const AUTH = {
  viewer: { authorization: `Bearer ${KEYS.viewer}` },
  operator: { authorization: `Bearer ${KEYS.operator}` },
  admin: { authorization: `Bearer ${KEYS.admin}` },
} as const;
