// End to end: the demo stack runs two minutes of production at 600 products/min with 5 % defects.
// Every defective product must end in the reject bin and no good one may. Then again with Debian's
// mosquitto as the external broker. Real time: the vision service is its own process.

import {
  createMemoryLogger,
  type MemoryLogger,
  mosquittoSkipReason,
  startMosquitto,
} from '@servo-edge/common/testing';
import { type DemoStack, demoKeys, startDemo } from '@servo-edge/edge-gateway/demo';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const PRODUCTS_PER_MIN = 600;
const RUN_PRODUCTS = 2 * PRODUCTS_PER_MIN; // two minutes of production
const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
// Two minutes of production plus start-up and the belt emptying, with room for a slow CI machine.
const TEST_TIMEOUT_MS = 6 * 60_000;

let stack: DemoStack | undefined;
let logger: MemoryLogger;
beforeEach(() => {
  logger = createMemoryLogger();
});
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** For a product that ended in the wrong bin: what vision said, whether a stroke fired, what went wrong. */
function explain(s: DemoStack, id: string): string {
  const verdict = s.gateway.line.recentInspections(10_000).find((v) => v.productId === id);
  const stroke = s.gateway.lineController.rejects.find((r) => r.productId === id);
  const errors = logger.records.filter((r) => r.level === 'error' || r.level === 'warn').slice(0, 5);
  return `${id}: verdict ${verdict ? `${verdict.verdict} ${verdict.reasons.join(',')}` : 'none kept'}, stroke ${stroke ? `${stroke.cause}, ${stroke.lateMs.toFixed(1)} ms late` : 'none'}; log: ${JSON.stringify(errors)}`;
}

async function runProduction(s: DemoStack) {
  const belt = s.virtualLine;
  // Wait until the first RUN_PRODUCTS products have all left the belt (the belt holds about a dozen).
  await expect
    .poll(
      () => [...belt.rejected, ...belt.passed].filter((p) => Number(p.id.slice(1)) <= RUN_PRODUCTS).length,
      {
        timeout: TEST_TIMEOUT_MS - 60_000,
        interval: 1000,
      },
    )
    .toBe(RUN_PRODUCTS);
  const binned = [...belt.rejected, ...belt.passed].filter((p) => Number(p.id.slice(1)) <= RUN_PRODUCTS);
  const defective = binned.filter((p) => p.defect !== 'none');
  return {
    binned,
    defective,
    missed: binned
      .filter((p) => p.defect !== 'none' && p.bin === 'passed')
      .map((p) => `${p.defect} ${explain(s, p.id)}`),
    falseRejects: binned
      .filter((p) => p.defect === 'none' && p.bin === 'rejected')
      .map((p) => explain(s, p.id)),
  };
}

function expectPerfectSorting(s: DemoStack, result: Awaited<ReturnType<typeof runProduction>>) {
  // 1. The line really ran at the rate and with the defect mix asked for.
  expect(result.binned).toHaveLength(RUN_PRODUCTS);
  expect(result.defective.length).toBeGreaterThan(0.03 * RUN_PRODUCTS);
  expect(result.defective.length).toBeLessThan(0.08 * RUN_PRODUCTS);
  // 2. The physical outcome, as the simulator recorded it: every defect out, every good product through.
  expect(result.missed).toEqual([]);
  expect(result.falseRejects).toEqual([]);
  // 3. And it was earned by verdicts, not by the fail-safe: every product was inspected in time.
  const stats = s.gateway.lineController.tracker.stats;
  expect(stats.firedWithoutVerdict).toBe(0);
  expect(stats.lateVerdicts).toBe(0);
  expect(s.gateway.line.state).toBe('Execute');
}

describe('packaging line, end to end', () => {
  it(
    'two minutes at 600/min, 5 % defects, embedded broker: every defect rejected, no good product',
    async () => {
      stack = await startDemo({
        env: PORTS,
        productsPerMin: PRODUCTS_PER_MIN,
        defectRate: 0.05,
        seed: 11,
        logger: logger.logger,
      });
      expectPerfectSorting(stack, await runProduction(stack));
    },
    TEST_TIMEOUT_MS,
  );

  const skip = mosquittoSkipReason();
  it.skipIf(skip !== undefined)(
    `the same with Debian's mosquitto as the external broker${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const keys = demoKeys();
      const broker = await startMosquitto({
        admin: keys.admin,
        operator: keys.operator,
        viewer: keys.viewer,
        vision: keys.vision,
        camera: keys.camera,
      });
      try {
        stack = await startDemo({
          env: PORTS,
          externalBroker: { url: broker.url, protocolVersion: 5, keys },
          productsPerMin: PRODUCTS_PER_MIN,
          defectRate: 0.05,
          seed: 12,
          logger: logger.logger,
        });
        expectPerfectSorting(stack, await runProduction(stack));
      } finally {
        await stack?.stop();
        stack = undefined;
        await broker.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
