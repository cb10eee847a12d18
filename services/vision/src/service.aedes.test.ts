// The service over the embedded aedes broker (MQTT 3.1.1): recipe, verdicts, malformed frames,
// liveness with a Last Will, deadlines, start/close lifecycle.

import { EventEmitter } from 'node:events';
import type { VerdictMessage } from '@servo-edge/common/mqtt';
import { createMemoryLogger, ManualClock } from '@servo-edge/common/testing';
import type { WorkerPort } from '@servo-edge/common/worker';
import { generateLabel } from '@servo-edge/simulator/labels';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type VisionConfig } from './config.js';
import { createVisionService, type VisionService } from './service.js';
import { startAedes, type TestBroker } from './test-support/aedes-broker.js';
import { badJsonFrame, gray8Frame, jpegFrame, pngFrame, truncatedPngFrame } from './test-support/frames.js';
import { type Collector, collectJson, collectText } from './test-support/mqtt-collector.js';

let broker: TestBroker;
let publisher: MqttClient;
const services: VisionService[] = [];

beforeAll(async () => {
  broker = await startAedes();
  publisher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
});

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await publisher.endAsync();
  await broker.close();
});

let lineCounter = 0;
/** Each test gets its own line, so retained messages of one test never reach another. */
function testConfig(overrides: Record<string, unknown> = {}): VisionConfig {
  lineCounter++;
  return resolveConfig(
    {
      line: `aedes-${lineCounter}`,
      instance: `vision-${lineCounter}`,
      mqtt: { url: broker.url, protocolVersion: 4 },
      inspection: { workers: 1, queueLength: 8, deadlineMs: 60_000 },
      limits: { maxPayloadBytes: 2 * 1024 * 1024 },
      ...overrides,
    },
    { env: {}, coreCount: 2 },
  );
}

const publishFrame = (service: VisionService, camera: string, payload: Uint8Array) =>
  publisher.publishAsync(service.topics.frames.replace('+', camera), Buffer.from(payload), { qos: 1 });

describe('vision service over aedes', () => {
  it('judges frames against the retained recipe and rejects malformed input without stalling', async () => {
    const log = createMemoryLogger();
    const config = testConfig();
    const service = createVisionService({ config, log: log.logger });
    services.push(service);
    const good = await generateLabel({
      symbology: 'gs1-datamatrix',
      defect: 'none',
      seed: 21,
      productIndex: 0,
    });
    const expired = await generateLabel({
      symbology: 'gs1-datamatrix',
      defect: 'expired',
      seed: 22,
      productIndex: 0,
    });
    // 1. The recipe is retained before the service starts; it must still get it.
    await publisher.publishAsync(`${config.topicPrefix}/recipe`, JSON.stringify(good.recipe), {
      qos: 1,
      retain: true,
    });
    await service.start();
    const verdicts: Collector<VerdictMessage> = await collectJson(broker.url, service.topics.inspection);

    // 2. Good and bad frames, interleaved with malformed ones.
    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-good-gray8'));
    await publishFrame(service, 'cam-1', truncatedPngFrame(good, 'P-truncated'));
    await publishFrame(service, 'cam-2', encodeWrongSize(good));
    await publishFrame(service, 'cam-1', new Uint8Array(3 * 1024 * 1024));
    await publishFrame(service, 'cam-1', badJsonFrame());
    await publishFrame(service, 'cam-1', pngFrame(good, 'P-good-png'));
    await publishFrame(service, 'cam-1', gray8Frame(expired, 'P-expired'));
    await publishFrame(service, 'cam-2', jpegFrame(good, 'P-good-jpeg'));
    const all = await verdicts.until((m) => m.length >= 8);
    await verdicts.close();

    const byId = (id: string | null) => all.find((m) => m.productId === id)!;
    expect(byId('P-good-gray8')).toMatchObject({
      verdict: 'pass',
      reasons: [],
      camera: 'cam-1',
      instance: config.instance,
    });
    expect(byId('P-good-gray8').decoded).toMatchObject({
      gtin: good.truth.encoded!.gtin,
      lot: good.truth.encoded!.lot,
    });
    expect(byId('P-good-gray8').timings.decodeMs).toBeGreaterThan(0);
    expect(byId('P-good-gray8').timings.totalMs).toBeGreaterThanOrEqual(
      byId('P-good-gray8').timings.decodeMs,
    );
    expect(byId('P-good-png')).toMatchObject({ verdict: 'pass' });
    expect(byId('P-good-jpeg')).toMatchObject({ verdict: 'pass', camera: 'cam-2' });
    expect(byId('P-expired')).toMatchObject({ verdict: 'reject', reasons: ['EXPIRED'] });
    expect(byId('P-truncated')).toMatchObject({
      verdict: 'reject',
      reasons: ['UNREADABLE_IMAGE'],
      detail: 'IMAGE_DECODE_FAILED',
    });
    expect(byId('P-wrong-size')).toMatchObject({
      reasons: ['UNREADABLE_IMAGE'],
      detail: 'IMAGE_DIMENSION_MISMATCH',
      camera: 'cam-2',
    });
    const anonymous = all.filter((m) => m.productId === null).map((m) => m.detail);
    expect(anonymous.sort()).toEqual(['FRAME_BAD_JSON', 'FRAME_TOO_LARGE']);

    // 3. Every malformed frame left a log line with its code.
    const logged = log.events('frame.unreadable').map((r) => r.fields['code']);
    expect(logged.sort()).toEqual([
      'FRAME_BAD_JSON',
      'FRAME_TOO_LARGE',
      'IMAGE_DECODE_FAILED',
      'IMAGE_DIMENSION_MISMATCH',
    ]);
    expect(service.stats()).toMatchObject({ framesReceived: 8, passes: 3, rejects: 5 });
  });

  it('rejects NO_RECIPE until a valid recipe arrives, and after an invalid one', async () => {
    const log = createMemoryLogger();
    const service = createVisionService({ config: testConfig(), log: log.logger });
    services.push(service);
    await service.start();
    const verdicts: Collector<VerdictMessage> = await collectJson(broker.url, service.topics.inspection);
    const good = await generateLabel({ symbology: 'ean-13', defect: 'none', seed: 31 });

    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-1'));
    await verdicts.until((m) => m.length >= 1);
    await publisher.publishAsync(service.topics.recipe, JSON.stringify(good.recipe), {
      qos: 1,
      retain: true,
    });
    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-2'));
    await verdicts.until((m) => m.length >= 2);
    await publisher.publishAsync(service.topics.recipe, JSON.stringify({ ...good.recipe, lotNumber: 'x' }), {
      qos: 1,
      retain: true,
    });
    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-3'));
    const all = await verdicts.until((m) => m.length >= 3);
    await verdicts.close();

    expect(all.map((m) => [m.productId, m.verdict, m.reasons])).toEqual([
      ['P-1', 'reject', ['NO_RECIPE']],
      ['P-2', 'pass', []],
      ['P-3', 'reject', ['NO_RECIPE']],
    ]);
    expect(log.events('recipe.invalid')[0]?.fields).toMatchObject({
      code: 'CONFIG_UNKNOWN_KEY',
      path: 'lotNumber',
    });
  });

  it('publishes a retained online status, and offline on close; close is idempotent', async () => {
    const service = createVisionService({ config: testConfig(), log: createMemoryLogger().logger });
    await service.start();
    const status = await collectText(broker.url, service.topics.status);
    await status.until((m) => m.includes('online'));
    const closing = service.close();
    expect(service.close()).toBe(closing);
    await closing;
    expect(await status.until((m) => m.at(-1) === 'offline')).toEqual(['online', 'offline']);
    await status.close();
    await expect(service.start()).rejects.toMatchObject({ code: 'SERVICE_CLOSED' });
  });

  it('the Last Will marks an instance offline when its connection dies', async () => {
    let client: MqttClient | undefined;
    const service = createVisionService({
      config: testConfig(),
      log: createMemoryLogger().logger,
      connect: (url, options) => {
        // Never reconnect, so the broker's will is the last word.
        client = mqtt.connect(url, { ...options, reconnectPeriod: 0 });
        return client;
      },
    });
    services.push(service);
    await service.start();
    const status = await collectText(broker.url, service.topics.status);
    await status.until((m) => m.at(-1) === 'online');
    // Kill the socket without DISCONNECT, as a crash or a pulled cable would.
    client!.stream.destroy();
    expect((await status.until((m) => m.at(-1) === 'offline')).at(-1)).toBe('offline');
    await status.close();
  });

  it('rejects QUEUE_FULL at once and DEADLINE_EXCEEDED after the deadline, on a stepped clock', async () => {
    const clock = new ManualClock();
    const workers: StalledWorker[] = [];
    const service = createVisionService({
      config: testConfig({
        inspection: { workers: 1, queueLength: 1, deadlineMs: 200, decodeTimeoutMs: 5000 },
      }),
      log: createMemoryLogger().logger,
      clock,
      spawnWorker: () => {
        const worker = new StalledWorker();
        workers.push(worker);
        return worker;
      },
    });
    services.push(service);
    const good = await generateLabel({ symbology: 'gs1-128', defect: 'none', seed: 41 });
    await publisher.publishAsync(`${service.topics.recipe}`, JSON.stringify(good.recipe), {
      qos: 1,
      retain: true,
    });
    await service.start();
    const verdicts: Collector<VerdictMessage> = await collectJson(broker.url, service.topics.inspection);
    // 1. The first frame occupies the only worker, which never answers; the second waits.
    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-busy'));
    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-waiting'));
    await workers[0]!.received(1);
    await until(() => service.stats().pool.queued === 1);
    // 2. The queue holds one frame: a third is turned away at once, without waiting for time to pass.
    await publishFrame(service, 'cam-1', gray8Frame(good, 'P-overflow'));
    const [overflow] = await verdicts.until((m) => m.length >= 1);
    expect(overflow).toMatchObject({ productId: 'P-overflow', reasons: ['QUEUE_FULL'] });
    // Timestamps that leave the process are epoch ms (the stepped clock's epoch reading), not monotonic.
    expect(overflow!.inspectedAtMs).toBe(clock.epochMs());
    expect(overflow!.inspectedAtMs).toBeGreaterThan(1_600_000_000_000);
    // 3. Past the deadline the waiting frame is rejected with a reason, never decoded.
    clock.advanceBy(200);
    const [, late] = await verdicts.until((m) => m.length >= 2);
    expect(late).toMatchObject({
      productId: 'P-waiting',
      reasons: ['DEADLINE_EXCEEDED'],
      detail: 'QUEUE_WAIT_EXCEEDED',
    });
    expect(late!.timings.queueWaitMs).toBe(200);
    // The wait is a monotonic duration; the verdict's time moved on with the epoch reading.
    expect(late!.inspectedAtMs - overflow!.inspectedAtMs).toBe(200);
    // 4. The stuck decode hits its own timeout and its worker is replaced.
    clock.advanceBy(4800);
    const [, , stuck] = await verdicts.until((m) => m.length >= 3);
    expect(stuck).toMatchObject({
      productId: 'P-busy',
      reasons: ['DEADLINE_EXCEEDED'],
      detail: 'DECODE_TIMEOUT',
    });
    expect(workers).toHaveLength(2);
    await verdicts.close();
  });

  it('fails start() with MQTT_CONNECT_FAILED when the broker is unreachable', async () => {
    const service = createVisionService({
      config: testConfig({ mqtt: { url: 'mqtt://127.0.0.1:1', protocolVersion: 4, connectTimeoutMs: 2000 } }),
      log: createMemoryLogger().logger,
    });
    services.push(service);
    await expect(service.start()).rejects.toMatchObject({ code: 'MQTT_CONNECT_FAILED' });
  });
});

function encodeWrongSize(label: Awaited<ReturnType<typeof generateLabel>>): Uint8Array {
  const frame = gray8Frame(label, 'P-wrong-size');
  // Claim one row more than the payload has.
  const text = new TextDecoder().decode(frame.subarray(6, 6 + ((frame[4]! << 8) | frame[5]!)));
  const header = new TextEncoder().encode(text.replace('"heightPx":960', '"heightPx":961'));
  const out = new Uint8Array(6 + header.length + label.image.data.length);
  out.set(frame.subarray(0, 4));
  new DataView(out.buffer).setUint16(4, header.length);
  out.set(header, 6);
  out.set(label.image.data, 6 + header.length);
  return out;
}

/** A worker that loads instantly and never finishes a job. */
class StalledWorker extends EventEmitter implements WorkerPort {
  private count = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  constructor() {
    super();
    queueMicrotask(() => this.emit('message', { type: 'ready' }));
  }
  postMessage(): void {
    this.count++;
    for (const w of this.waiters.filter((w) => this.count >= w.n)) w.resolve();
  }
  received(n: number): Promise<void> {
    return this.count >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
  terminate(): Promise<number> {
    queueMicrotask(() => this.emit('exit', 1));
    return Promise.resolve(1);
  }
  unref(): void {}
}

/** Resolves when `condition` holds, re-checking after each turn of the event loop (no timers). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}
