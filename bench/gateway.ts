// Gateway benchmarks on the demo stack (real time; the vision service is its own process):
//  - the highest rate with zero missed and zero false rejects, beside the limit the reject geometry allows;
//  - and, in a child process (gateway-soak.ts), latency, CPU and memory over a soak at 600/min, with
//    the gateway as the real `servo-edge` binary in a process of its own.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type DemoStack, startDemo } from '@servo-edge/edge-gateway/demo';
import { figure, heading } from './report.js';

const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };

async function waitMs(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs the line at `productsPerMin` until `count` products have been binned; returns the sorting errors. */
async function runAt(productsPerMin: number, count: number, seed: number) {
  const stack = await startDemo({ env: PORTS, productsPerMin, defectRate: 0.1, seed });
  try {
    const belt = stack.virtualLine;
    const firstId = belt.summary().produced + 1;
    const inRun = () =>
      [...belt.rejected, ...belt.passed].filter((p) => {
        const n = Number(p.id.slice(1));
        return n >= firstId && n < firstId + count;
      });
    const deadline = Date.now() + ((count / productsPerMin) * 60_000 + 30_000);
    while (inRun().length < count && Date.now() < deadline) await waitMs(500);
    const binned = inRun();
    return {
      binned: binned.length,
      errors: binned.filter((p) => (p.defect === 'none') !== (p.bin === 'passed')).length,
      stack,
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/** The fastest rate at which one stroke cannot reach the next product: arm-out window + product window < pitch. */
function geometricLimitPerMin(stack: DemoStack): number {
  const { rejectArm, productSpacingMm } = stack.config.line;
  // The virtual line's arm pushes from 40 % of its stroke: that span of the out-and-back, in seconds.
  const d = Math.abs(rejectArm.outPosition - rejectArm.homePosition);
  const v = rejectArm.velocityUnitsPerS;
  const a = rejectArm.accelerationUnitsPerS2;
  const tAt = (x: number) => (x <= (v * v) / (2 * a) ? Math.sqrt((2 * x) / a) : x / v + v / (2 * a));
  const strokeS = 2 * tAt(d);
  const pushingS = strokeS - 2 * tAt(0.4 * d);
  const windowMm = stack.virtualLine.config.rejectWindowMm;
  // Belt speed s (mm/s): pushing span s*pushingS plus the window must stay under the pitch.
  const speedMmPerS = (productSpacingMm - windowMm) / pushingS;
  return Math.min((speedMmPerS / productSpacingMm) * 60, 60 / strokeS);
}

async function highestCleanRate(): Promise<void> {
  let best = 0;
  let limit = Number.NaN;
  for (const rate of [600, 700, 800, 900, 1000]) {
    const run = await runAt(rate, Math.round(rate / 4), rate); // 15 s of production at each rate
    limit = geometricLimitPerMin(run.stack);
    await run.stack.stop();
    console.log(`  ${rate}/min: ${run.binned} products, ${run.errors} sorting errors`);
    if (run.errors > 0 || run.binned === 0) break;
    best = rate;
  }
  figure('line: highest clean rate (0 missed, 0 false rejects)', best, 'products/min', {
    name: 'limit of the reject-arm geometry',
    value: limit,
  });
}

/** The soak's plant runs in a fresh process, clear of the suites before it; the gateway in another. */
async function soakInChildProcess(): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./gateway-soak.js', import.meta.url))], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: process.env,
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) console.log(`  soak process exited with ${code}`);
}

export async function runGatewayBench(): Promise<void> {
  heading('edge-gateway (demo stack, real time)');
  await highestCleanRate();
  await soakInChildProcess();
}
