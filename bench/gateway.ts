// Gateway benchmarks on the demo stack (real time; the vision service is its own process):
//  - the highest rate with zero missed and zero false rejects, beside the limit the reject geometry allows;
//  - the reject stroke's start error against the product's position, host timing beside position
//    triggering (issue #12), each with one core kept busy by another process;
//  - and, in a child process (gateway-soak.ts), latency, CPU and memory over a soak at 600/min, with
//    the gateway as the real `servo-edge` binary in a process of its own.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type DemoStack, startDemo } from '@servo-edge/edge-gateway/demo';
import type { LineStroke } from '@servo-edge/simulator/line';
import { figure, heading, percentile } from './report.js';

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

/** Production per timing mode in the stroke comparison: 45 s at 600/min, a fifth of them defective. */
const STROKE_RUN = { productsPerMin: 600, products: 450, defectRate: 0.2, seed: 31 };
/** The line's own threshold for a late stroke (line-controller.ts LATE_STROKE_MS), as belt travel at 1 m/s. */
const LATE_STROKE_MM = 20;

interface StrokeRun {
  strokes: LineStroke[];
  sortingErrors: number;
  timings: string;
}

/**
 * One run of the demo line with `rejectTiming`, one core kept busy by another process throughout. The
 * strokes are judged by the virtual line on the simulated controller's exact timeline (errorMm: how far
 * the product stood from where the stroke should find it, positive = late).
 */
async function strokeRun(rejectTiming: 'host' | 'position'): Promise<StrokeRun> {
  const busy = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  const { productsPerMin, products, defectRate, seed } = STROKE_RUN;
  let stack: DemoStack | undefined;
  try {
    stack = await startDemo({ env: PORTS, productsPerMin, defectRate, seed, rejectTiming });
    const belt = stack.virtualLine;
    const inRun = (id: string | undefined) => id !== undefined && Number(id.slice(1)) <= products;
    const binned = () => [...belt.rejected, ...belt.passed].filter((p) => inRun(p.id));
    const deadline = Date.now() + (products / productsPerMin) * 60_000 + 60_000;
    while (binned().length < products && Date.now() < deadline) await waitMs(500);
    const timings = new Map<string, number>();
    for (const r of stack.gateway.lineController.rejects)
      timings.set(r.timing, (timings.get(r.timing) ?? 0) + 1);
    return {
      strokes: belt.strokes.filter((k) => inRun(k.productId)),
      sortingErrors: binned().filter((p) => (p.defect === 'none') !== (p.bin === 'passed')).length,
      timings: [...timings].map(([t, n]) => `${n} ${t}`).join(', ') || 'none',
    };
  } finally {
    busy.kill('SIGKILL');
    await stack?.stop();
  }
}

/** Issue #12: the stroke's start error vs the product's position, host timing beside position triggering. */
export async function strokeStartError(): Promise<void> {
  const host = await strokeRun('host');
  const position = await strokeRun('position');
  const row = (label: string, run: StrokeRun) => {
    const errors = run.strokes.map((k) => k.errorMm).filter((e): e is number => e !== undefined);
    const abs = errors.map(Math.abs);
    const late = errors.filter((e) => e > LATE_STROKE_MM).length;
    if (errors.length === 0) {
      return `  ${label.padEnd(22)} no stroke started  sorting errors ${run.sortingErrors}  (strokes: ${run.timings})`;
    }
    const mm = (value: number) => value.toFixed(2).padStart(8);
    const figures = `p50 ${mm(percentile(errors, 50))}  p99 ${mm(percentile(errors, 99))}  max|e| ${mm(Math.max(...abs))}`;
    return `  ${label.padEnd(22)} ${figures}  late ${String(late).padStart(3)}/${errors.length}  sorting errors ${run.sortingErrors}  (strokes: ${run.timings})`;
  };
  console.log(
    `reject stroke start error vs the product's position (mm, + = late; ${STROKE_RUN.products} products at ${STROKE_RUN.productsPerMin}/min, one busy core; late = > ${LATE_STROKE_MM} mm)`,
  );
  console.log(row('host timing', host));
  console.log(row('position triggering', position));
  const p99 = (run: StrokeRun) =>
    percentile(run.strokes.map((k) => Math.abs(k.errorMm ?? Number.NaN)).filter(Number.isFinite), 99);
  figure('stroke start error p99, position triggering', p99(position), 'mm', {
    name: 'host timing',
    value: p99(host),
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
  await strokeStartError();
  await highestCleanRate();
  await soakInChildProcess();
}
