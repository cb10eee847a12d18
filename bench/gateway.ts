// Gateway benchmarks on the demo stack (real time; the vision service is its own process):
//  - the highest rate with zero missed and zero false rejects, beside the limit the reject geometry allows;
//  - camera -> verdict -> reject-command latency, beside the belt's camera-to-reject travel time;
//  - resident memory at start and after a soak at 600/min (BENCH_SOAK_MIN, default 10 minutes).

import { type DemoStack, startDemo } from '@servo-edge/edge-gateway';
import { figure, heading, percentile } from './report.js';

const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };

function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

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

async function latencyAndMemory(): Promise<void> {
  const soakMin = Number(process.env.BENCH_SOAK_MIN ?? 10);
  const startRss = rssMb();
  const stack = await startDemo({ env: PORTS, productsPerMin: 600, defectRate: 0.05, seed: 5 });
  try {
    await waitMs(5000);
    const atStartMb = rssMb();
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb()), 10_000);
    await waitMs(soakMin * 60_000);
    clearInterval(sampler);
    const afterMb = rssMb();

    const inspections = stack.gateway.line.recentInspections(500);
    const visionTotals = inspections.map((i) => i.timings.totalMs);
    // camera -> verdict at the gateway: capture (epoch ms, camera clock) to the verdict's inspection time.
    const cameraToVerdict = inspections
      .filter((i) => i.capturedAtMs !== null)
      .map((i) => i.inspectedAtMs - (i.capturedAtMs as number));
    const rejects = stack.gateway.lineController.rejects;
    const captured = new Map(stack.virtualLine.rejected.map((p) => [p.id, p.capturedAtMs ?? Number.NaN]));
    // camera -> reject command: capture to the out-move leaving the gateway (includes the belt's travel).
    const cameraToReject = rejects
      .map((r) => r.firedAtMs - (captured.get(r.productId) ?? Number.NaN))
      .filter(Number.isFinite);
    const { cameraMm, rejectMm } = stack.config.line.stations;
    const beltMmPerS = (600 * stack.config.line.productSpacingMm) / 60;
    const travelMs = ((rejectMm - cameraMm) / beltMmPerS) * 1000;
    figure('camera -> verdict at gateway, p50', percentile(cameraToVerdict, 50), 'ms', {
      name: 'belt travel camera -> reject',
      value: travelMs,
    });
    figure('camera -> verdict at gateway, p99', percentile(cameraToVerdict, 99), 'ms', {
      name: 'belt travel camera -> reject',
      value: travelMs,
    });
    figure('vision queue + decode + publish, p99', percentile(visionTotals, 99), 'ms');
    figure('camera -> reject command, p99 (waits for the belt)', percentile(cameraToReject, 99), 'ms', {
      name: 'belt travel minus stroke lead',
      value: travelMs - (stack.gateway.config.line.commandLatencyMs + 42.5),
    });
    const summary = stack.virtualLine.summary();
    console.log(
      `  soak: ${summary.produced} products, ${summary.missedDefectIds.length} missed, ${summary.falseRejectIds.length} false rejects`,
    );
    figure(`RSS after ${soakMin} min at 600/min (gateway + simulated plant)`, afterMb, 'MB', {
      name: 'RSS 5 s after start',
      value: atStartMb,
    });
    figure('RSS before the stack started (node + modules)', startRss, 'MB');
    if (samples.length > 2) {
      const half = Math.floor(samples.length / 2);
      const growth = percentile(samples.slice(half), 50) - percentile(samples.slice(0, half), 50);
      figure('RSS growth, second half vs first half of the soak', growth, 'MB');
    }
  } finally {
    await stack.stop();
  }
}

export async function runGatewayBench(): Promise<void> {
  heading('edge-gateway (demo stack, real time)');
  await highestCleanRate();
  await latencyAndMemory();
}
