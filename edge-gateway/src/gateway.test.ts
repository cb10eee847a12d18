// The whole gateway on a stepped clock whose wall-clock (epoch) reading is far from its monotonic one:
// the embedded broker on port 0, simulated controllers over sim://, REST and MQTT as a client sees them.
// Pins the time bases (timestamps that leave the process are epoch, durations are monotonic) and that
// no secret reaches the log. Comments number the steps where order matters.

import { createMemoryLogger, ManualClock } from '@servo-edge/common/testing';
import { type SimulatedControllers, startSimulatedControllers } from '@servo-edge/simulator';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoKeys, loadDemoConfig } from './demo/demo-config.js';
import { createGateway, type Gateway } from './gateway.js';
import { connectClient, endAll } from './test-support/mqtt-clients.js';

const MONOTONIC_START_MS = 5_000;
const EPOCH_START_MS = 1_700_000_000_000;
const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
/** A password no key has: it must not reach the log either. */
const WRONG_PASSWORD = 'wrong-password-4a7c1e9b';

const clock = new ManualClock({ monotonicMs: MONOTONIC_START_MS, epochMs: EPOCH_START_MS });
const memory = createMemoryLogger('debug');
const keys = demoKeys();
let sims: SimulatedControllers | undefined;
let gateway: Gateway;
let viewer: MqttClient | undefined;

/** Lets the I/O a step caused (serial bytes through the sim binding, sockets) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Moves the shared clock in small steps, so links and controllers talk between timer firings. */
async function stepClock(totalMs: number, stepMs = 5): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    clock.advanceBy(Math.min(stepMs, totalMs - elapsed));
    for (let i = 0; i < 5; i++) await settle();
  }
}

async function getLine(): Promise<Record<string, unknown>> {
  const response = await fetch(`${gateway.httpUrl()}/api/v1/line`, {
    headers: { authorization: `Bearer ${keys.viewer}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** The retained state topics, as a late subscriber gets them (the broker sends them after the SUBACK). */
async function retainedState(topics: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const client = await connectClient(gateway.mqttUrl(), { username: 'viewer', password: keys.viewer });
  const state = new Map<string, Record<string, unknown>>();
  const all = new Promise<void>((resolve) => {
    client.on('message', (topic, payload, packet) => {
      if (!packet.retain || !topics.includes(topic)) return;
      state.set(topic, JSON.parse(payload.toString()) as Record<string, unknown>);
      if (state.size === topics.length) resolve();
    });
  });
  await client.subscribeAsync(`${gateway.config.topicPrefix}/#`, { qos: 1 });
  await all;
  await endAll([client]);
  return state;
}

/** Steps the clock until `work` settles: shutdown waits on timers (bounded publishes, link closes). */
async function whileStepping<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 2_000 && !done; i++) await stepClock(5);
  return settled;
}

beforeAll(async () => {
  const config = await loadDemoConfig({ env: PORTS }, keys);
  // The config's sim:// controllers, on the gateway's clock, their bytes unpaced.
  sims = await startSimulatedControllers(config.motion, { clock, defaults: { pacing: false } });
  gateway = createGateway(config, {
    simulatorBinding: sims.binding,
    clock,
    logger: memory.logger,
  });
  await gateway.start();
  for (let i = 0; i < 400 && !gateway.motion.isReady(); i++) await stepClock(5);
  expect(gateway.motion.isReady()).toBe(true);
}, 30_000);

afterAll(async () => {
  await endAll([viewer]);
  if (gateway) await whileStepping(gateway.close());
  await sims?.close();
});

describe('time bases', () => {
  it('REST and every retained state carry epoch times; time in state is a monotonic duration', async () => {
    // 1. The line was made at start, when the clock read monotonic 5 000 and epoch 1.7e12.
    const epochAtStartMs = clock.epochMs() - (clock.monotonicMs() - MONOTONIC_START_MS);
    expect(epochAtStartMs).toBe(EPOCH_START_MS);
    const line = await getLine();
    expect(line['stateSinceMs']).toBe(EPOCH_START_MS);
    expect(line['timestampMs']).toBe(clock.epochMs());
    expect(line['timeInStateMs']).toBe(clock.monotonicMs() - MONOTONIC_START_MS);

    // 2. 1.5 s later on the stepped clock: the timestamp moved with the wall clock, the state did not
    //    change, and the time in state grew by exactly the monotonic step.
    const before = line['timeInStateMs'] as number;
    await stepClock(1_500);
    const later = await getLine();
    expect(later['stateSinceMs']).toBe(EPOCH_START_MS);
    expect(later['timestampMs']).toBe(clock.epochMs());
    expect(later['timeInStateMs']).toBe(before + 1_500);

    // 3. What MQTT subscribers see: the line, every axis and every link stamped with epoch ms, at or
    //    after the start and no later than now, never the monotonic reading (a few thousand).
    const prefix = gateway.config.topicPrefix;
    const lineTopic = `${prefix}/line/state`;
    const stampedTopics = [
      ...['conveyor', 'reject-arm', 'filler', 'sealer'].map((axis) => `${prefix}/axes/${axis}/state`),
      ...['ctrl-a', 'ctrl-b'].map((controller) => `${prefix}/links/${controller}/state`),
    ];
    const retained = await retainedState([lineTopic, ...stampedTopics]);
    expect(retained.get(lineTopic)?.['stateSinceMs']).toBe(EPOCH_START_MS);
    for (const [topic, snapshot] of retained) {
      expect({ topic, timestampMs: snapshot['timestampMs'] }).toEqual({
        topic,
        timestampMs: expect.toSatisfy(
          (ms: number) => ms >= EPOCH_START_MS && ms <= clock.epochMs(),
          'an epoch time between the start and now',
        ),
      });
    }
  });
});

describe('unit mode over REST', () => {
  async function postMode(
    key: string,
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway.httpUrl()}/api/v1/line/mode`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('a viewer may not change it; an operator may, in Stopped; a bad mode is refused with a reason', async () => {
    expect((await getLine())['mode']).toBe('Production');
    expect((await postMode(keys.viewer, { mode: 'Manual' })).status).toBe(403);
    const bad = await postMode(keys.operator, { mode: 'Setup' });
    expect(bad.status).toBe(400);
    expect(bad.body['code']).toBe('VALIDATION_FAILED');
    const manual = await postMode(keys.operator, { mode: 'Manual' });
    expect(manual.status).toBe(200);
    expect(manual.body).toMatchObject({ mode: 'Manual', state: 'Stopped' });
    expect(manual.body['allowedCommands']).toEqual(['Reset', 'Abort']);
    expect(memory.events('line.mode').at(-1)?.fields).toMatchObject({
      from: 'Production',
      to: 'Manual',
      keyId: 'operator',
    });
    const back = await postMode(keys.operator, { mode: 'Production' });
    expect(back.body).toMatchObject({ mode: 'Production' });
    expect((await getLine())['oee']).toMatchObject({ windowMs: 3_600_000 });
  });
});

describe('axis ownership over REST', () => {
  async function post(
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${gateway.httpUrl()}/api/v1${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.operator}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('in Production a move on an owned axis is 409 AXIS_OWNED_BY_LINE and never sent; stop is accepted', async () => {
    expect((await getLine())['mode']).toBe('Production');
    const sentBefore = gateway.motion.controllers().map((c) => c.bytesOut);
    const refused = await post('/axes/reject-arm/move', { position: 10 });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'AXIS_OWNED_BY_LINE', owner: 'reject', mode: 'Production' });
    expect((await post('/axes/conveyor/jog', { velocity: 10 })).body['code']).toBe('AXIS_OWNED_BY_LINE');
    expect(gateway.motion.controllers().map((c) => c.bytesOut)).toEqual(sentBefore);
    const stop = post('/axes/reject-arm/stop');
    await stepClock(100);
    expect((await stop).status).toBe(200);
  });
});

describe("a station's check over MQTT", () => {
  it('reaches the line controller with the latched position; garbage and a station that does not check are dropped with a warning', async () => {
    const topics = `${gateway.config.topicPrefix}/stations`;
    const seen: unknown[][] = [];
    const controller = gateway.lineController;
    const real = controller.stationCheck.bind(controller);
    controller.stationCheck = (...args) => {
      seen.push(args);
      real(...args);
    };
    const sensor = await connectClient(gateway.mqttUrl(), { username: 'camera', password: keys.camera });
    try {
      const check = {
        ok: false,
        conveyorPositionMm: 1234.5,
        checkedAtMs: EPOCH_START_MS,
        reason: 'UNDERWEIGHT',
      };
      await sensor.publishAsync(`${topics}/filler/check`, JSON.stringify(check), { qos: 1 });
      await sensor.publishAsync(
        `${topics}/sealer/check`,
        JSON.stringify({ ...check, ok: true, reason: undefined }),
        {
          qos: 1,
        },
      );
      await sensor.publishAsync(`${topics}/filler/check`, '{"ok":', { qos: 1 });
      await sensor.publishAsync(`${topics}/labeler/check`, JSON.stringify(check), { qos: 1 });
      for (let i = 0; i < 50 && memory.events('line.station-check.invalid').length < 2; i++)
        await stepClock(5);
      expect(seen).toEqual([
        ['filler', 1234.5, false, 'UNDERWEIGHT'],
        ['sealer', 1234.5, true, undefined],
      ]);
      expect(memory.events('line.station-check.invalid').map((r) => r.fields['station'])).toEqual([
        'filler',
        'labeler',
      ]);
    } finally {
      controller.stationCheck = real;
      await endAll([sensor]);
    }
  });
});

describe('secrets in the log', () => {
  it('no API key, MQTT password or Authorization header reaches a log line', async () => {
    // 1. A refused MQTT login, an accepted one, and REST calls with a good and a bad key.
    await expect(
      connectClient(gateway.mqttUrl(), { username: 'viewer', password: WRONG_PASSWORD }),
    ).rejects.toMatchObject({ code: 5 });
    viewer = await connectClient(gateway.mqttUrl(), { username: 'operator', password: keys.operator });
    await getLine();
    const refused = await fetch(`${gateway.httpUrl()}/api/v1/line`, {
      headers: { authorization: `Bearer ${WRONG_PASSWORD}` },
    });
    expect(refused.status).toBe(401);
    // 2. The gateway did log all of it, at debug level and up.
    expect(memory.events('mqtt.auth.refused')).toHaveLength(1);
    expect(memory.records.length).toBeGreaterThan(5);
    // 3. None of the secrets is in any line.
    const lines = JSON.stringify(memory.records);
    for (const secret of [...Object.values(keys), WRONG_PASSWORD]) expect(lines).not.toContain(secret);
  });
});
