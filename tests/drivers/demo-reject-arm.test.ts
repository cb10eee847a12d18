// The demo line with its reject arm on a simulated Pololu Maestro (issue #13: `rejectArmDriver: maestro`,
// a hobby servo on channel 0 of sim://maestro/arm): the whole gateway on a stepped clock, the belt on the
// servo-edge controller ctrl-a, the arm through the Maestro driver (host queue, completion by polling),
// the bytes of both paced at their baud rates. The vision service is stood in for: the camera station
// hands the gateway each product's trigger and the verdict its label deserves, at once, so what is
// measured is the arm. At 600 products/min with 5 % defects, every defect must land in the reject bin and
// no good product with it. The seed is printed (DEMO_ARM_SEED repeats a run).

import { silentLogger } from '@servo-edge/common/log';
import { ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import { createGateway, type Gateway } from '@servo-edge/edge-gateway';
import {
  createDemoLine,
  demoKeys,
  loadDemoConfig,
  MAESTRO_REJECT_ARM,
  maestroRejectArmCounts,
  type SimulatedCamera,
} from '@servo-edge/edge-gateway/demo';
import { type SimulatedControllers, startSimulatedControllers } from '@servo-edge/simulator';
import type { VirtualLine } from '@servo-edge/simulator/line';
import { afterEach, describe, expect, it } from 'vitest';
import { settle } from './support/settle.js';

const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
const PRODUCTS_PER_MIN = 600;
const DEFECT_RATE = 0.05;
/** Simulated production time: 300 products. */
const RUN_MS = 30_000;
const STEP_MS = 1;

describe('demo reject arm on a simulated Maestro', () => {
  const clock = new ManualClock({ monotonicMs: 5_000, epochMs: 1_700_000_000_000 });
  let sims: SimulatedControllers | undefined;
  let gateway: Gateway | undefined;
  let line: VirtualLine | undefined;

  /** Steps the clock, letting the serial bytes and sockets a step caused move between steps. */
  async function step(totalMs: number): Promise<void> {
    for (let elapsed = 0; elapsed < totalMs; elapsed += STEP_MS) {
      clock.advanceBy(STEP_MS);
      await settle(3);
    }
  }

  async function stepUntil(condition: () => boolean, what: string, maxMs: number): Promise<void> {
    for (let elapsed = 0; !condition(); elapsed += 5) {
      if (elapsed > maxMs) throw new Error(`gave up waiting for ${what} after ${maxMs} ms`);
      await step(5);
    }
  }

  afterEach(async () => {
    line?.close();
    if (gateway) {
      let closed = false;
      const closing = gateway.close().finally(() => {
        closed = true;
      });
      for (let i = 0; i < 4_000 && !closed; i++) await step(5);
      await closing;
    }
    await sims?.close();
  });

  it('600/min, 5 % defects: every defect rejected, no good product with them', async () => {
    const seed = Number(process.env.DEMO_ARM_SEED ?? Date.now() % 100_000);
    console.info(`demo reject arm seed ${seed} (set DEMO_ARM_SEED to repeat it)`);
    const keys = demoKeys();
    const config = await loadDemoConfig(
      { env: PORTS, productsPerMin: PRODUCTS_PER_MIN, rejectArmDriver: 'maestro' },
      keys,
    );
    const motion = config.motion as {
      controllers: { id: string; driver?: string }[];
      axes: { name: string; controller: string }[];
    };
    // 1. The switch: the arm is a Maestro channel, the belt stays on ctrl-a.
    expect(motion.controllers.find((c) => c.id === MAESTRO_REJECT_ARM.controller.id)?.driver).toBe('maestro');
    expect(motion.axes.find((a) => a.name === config.line.axes.rejectArm)?.controller).toBe('arm');
    sims = await startSimulatedControllers(config.motion, { clock });
    gateway = createGateway(config, { simulatorBinding: sims.binding, clock, logger: silentLogger });
    await gateway.start();
    const g = gateway;
    await stepUntil(() => g.motion.isReady(), 'the links', 10_000);
    expect(g.motion.controllers().find((c) => c.id === 'arm')).toMatchObject({
      driver: 'maestro',
      state: 'ready',
    });

    // 2. The camera station and vision, stood in for: trigger and verdict for each product, at once.
    const lineController = g.lineController;
    const camera = {
      async capture(productId: string, defect: string, conveyorMm: number) {
        lineController.trigger(productId, conveyorMm);
        lineController.verdict(
          sampleVerdict({
            productId,
            verdict: defect === 'none' ? 'pass' : 'reject',
            reasons: defect === 'none' ? [] : ['NO_LABEL'],
          }),
        );
      },
    } as unknown as SimulatedCamera;
    g.line.visionOnline();
    const ctrlA = sims.controllers.find((c) => c.id === 'ctrl-a')!;
    line = createDemoLine({
      config,
      controller: ctrlA,
      camera,
      defectRate: DEFECT_RATE,
      seed,
      log: silentLogger,
      clock,
      readRejectArmCounts: maestroRejectArmCounts(sims.links),
    });
    line.start();

    // 3. Reset (the arm to its rest position), Start, then production.
    g.line.command('Reset');
    await stepUntil(() => g.line.state === 'Idle', 'Idle', 10_000);
    g.line.command('Start');
    await stepUntil(() => g.line.state === 'Execute', 'Execute', 10_000);
    await step(RUN_MS);

    const summary = line.summary();
    // At 600/min the belt carries ten products a second; about one in twenty is defective.
    expect(summary.produced).toBeGreaterThan(250);
    expect(summary.defective).toBeGreaterThan(0);
    expect(summary.rejected).toBeGreaterThan(0);
    expect(summary.missedDefectIds).toEqual([]);
    expect(summary.falseRejectIds).toEqual([]);
    // The arm really moved: every stroke went through the Maestro driver's Set Target.
    expect(g.motion.controllers().find((c) => c.id === 'arm')!.framesSent).toBeGreaterThan(summary.rejected);
  }, 600_000);
});
