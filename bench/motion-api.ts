// Motion API benchmarks. (1) POST move -> device reply latency, over HTTP to a simulated controller on
// a paced 115200-baud line, beside the wire time of the same bytes (MOVE frame + OK reply). (2) GET
// /api/v1/axes/:name requests/s (auth, rate limit, schema serialisation) beside a bare fastify route
// answering the same JSON, with autocannon in the same run, no pipelining, port 0.

import { createRequire } from 'node:module';
import { silentLogger } from '@servo-edge/common/log';
import { encodeLine, wireTimeMs } from '@servo-edge/firmware-protocol';
import { buildApp, createMotionService, parseMotionConfig, type SerialBinding } from '@servo-edge/motion-api';
import { conveyorAxis } from '@servo-edge/motion-api/testing';
import { createSimulatorBinding, SimulatorRegistry } from '@servo-edge/simulator';
import Fastify from 'fastify';
import { figure, heading, percentile } from './report.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  headers?: Record<string, string>;
}) => Promise<AutocannonResult>;
// autocannon ships no types; load it through require with the little of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const KEY = 'bench-operator-key-0123456789';
const BAUD = 115_200;
const MOVES = 300;
/** Not counted: JIT and connection set-up. */
const WARM_UP_MOVES = 30;
const LOAD_DURATION_S = 5;
const CONNECTIONS = 10;

/** Yields to the event loop until `condition` holds (bounded): no sleeping. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`bench: gave up waiting for ${what}`);
}

export async function runMotionApiBench(): Promise<void> {
  heading('motion-api');
  const registry = new SimulatorRegistry();
  const controller = registry.create({ id: 'bench1', axes: 1, baud: BAUD });
  await controller.start();
  const config = parseMotionConfig({
    auth: {
      keys: [{ id: 'bench', key: KEY, role: 'operator' }],
      rateLimit: { maxRequests: 1_000_000, windowMs: 1000 },
    },
    // No telemetry stream: the line carries only what is measured.
    controllers: [{ id: 'ctrl1', path: controller.path, baud: BAUD, streamHz: 0 }],
    axes: [conveyorAxis('ctrl1')],
    logLevel: 'silent',
  });
  const service = createMotionService(config, {
    simulatorBinding: createSimulatorBinding(registry) as unknown as SerialBinding,
  });
  await service.start();
  if (!(await service.whenReady(10_000))) throw new Error('bench: the simulated controller did not come up');
  // Logging off: per-request log lines would dominate what is measured.
  const app = buildApp({ service, logger: silentLogger });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  try {
    await service.enable('conveyor');
    await moveLatency(base, headers, service);
    await axisThroughput(base, headers, service.axis('conveyor'));
  } finally {
    await app.close();
    await service.close();
    await registry.closeAll();
  }
}

async function moveLatency(
  base: string,
  headers: Record<string, string>,
  service: ReturnType<typeof createMotionService>,
): Promise<void> {
  const latenciesMs: number[] = [];
  for (let i = -WARM_UP_MOVES; i < MOVES; i++) {
    // One move at a time on a quiet line: the previous move done, its state refresh answered.
    const position = Math.abs(i) % 2 === 0 ? 0.01 : 0;
    const t0 = performance.now();
    const response = await fetch(`${base}/api/v1/axes/conveyor/move`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ position }),
    });
    const body = (await response.json()) as { moveId: string };
    if (i >= 0) latenciesMs.push(performance.now() - t0);
    if (response.status !== 202) throw new Error(`bench: move answered ${response.status}`);
    await until(() => service.getMove(body.moveId).status === 'done', 'the move to finish');
    await until(() => service.controllers()[0]!.pendingRequests === 0, 'a quiet line');
  }
  // The bytes of one such exchange: the MOVE frame out and its OK back (seq and CRC at typical width).
  const frame = encodeLine('12345 MOVE 1 1 200000 2000000');
  const reply = encodeLine('12345 OK');
  const wireMs = wireTimeMs(frame.length + reply.length, BAUD);
  const wire = {
    name: `wire time of ${frame.length}+${reply.length} bytes @ ${BAUD}`,
    value: wireMs,
    unit: 'ms',
  };
  figure('POST move -> controller OK -> 202, p50', percentile(latenciesMs, 50), 'ms', wire);
  figure('POST move -> controller OK -> 202, p99', percentile(latenciesMs, 99), 'ms', wire);
}

async function axisThroughput(
  base: string,
  headers: Record<string, string>,
  sample: ReturnType<ReturnType<typeof createMotionService>['axis']>,
): Promise<void> {
  // The baseline: fastify with one route and no hooks, answering the same JSON.
  const bare = Fastify({ logger: false });
  bare.get('/bare', async () => sample);
  const bareBase = await bare.listen({ host: '127.0.0.1', port: 0 });
  try {
    const load = (url: string, withHeaders?: Record<string, string>) =>
      autocannon({
        url,
        connections: CONNECTIONS,
        pipelining: 1,
        duration: LOAD_DURATION_S,
        ...(withHeaders ? { headers: withHeaders } : {}),
      });
    const baseline = await load(`${bareBase}/bare`);
    const ours = await load(`${base}/api/v1/axes/conveyor`, { authorization: headers.authorization! });
    if (ours.non2xx > 0 || ours.errors > 0)
      throw new Error(`bench: ${ours.non2xx} non-2xx, ${ours.errors} errors`);
    figure(`GET /api/v1/axes/:name (${CONNECTIONS} conn, no pipelining)`, ours.requests.average, 'req/s', {
      name: 'bare fastify route, same JSON',
      value: baseline.requests.average,
    });
    figure('GET /api/v1/axes/:name latency p99', ours.latency.p99, 'ms', {
      name: 'bare fastify route p99',
      value: baseline.latency.p99,
    });
  } finally {
    await bare.close();
  }
}
