// The gateway soak, run as its own process by gateway.ts: camera -> verdict -> reject-command latency
// beside the belt's travel time, and resident memory at start and after BENCH_SOAK_MIN (default 10)
// minutes at 600/min. The process holds the gateway and the simulated plant (controllers, camera,
// virtual line); the vision service is a separate process and not counted.

import { startDemo } from '@servo-edge/edge-gateway';
import { figure, percentile } from './report.js';

const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };

function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

async function waitMs(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function soak(): Promise<void> {
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
    figure('RSS of this process before the stack started', startRss, 'MB');
    if (samples.length > 2) {
      const half = Math.floor(samples.length / 2);
      const growth = percentile(samples.slice(half), 50) - percentile(samples.slice(0, half), 50);
      figure('RSS growth, second half vs first half of the soak', growth, 'MB');
    }
  } finally {
    await stack.stop();
  }
}

await soak();
process.exit(0);
