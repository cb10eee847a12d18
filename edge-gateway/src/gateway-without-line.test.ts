// The gateway with no `line` in its config, as a user with one servo runs it: the motion API, the broker
// and the dashboard come up; the axes move over REST, unguarded by any unit mode; the line's routes answer
// 404 EDGE_LINE_NOT_CONFIGURED; MQTT carries axis and link state but no line state. The key is given as
// its SHA-256 digest only. Stepped clock, a simulated Maestro (absolute positions: no homing), every port 0.

import { createHash } from 'node:crypto';
import { ManualClock } from '@servo-edge/common/testing';
import { type SimulatedControllers, startSimulatedControllers } from '@servo-edge/simulator';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from './config/load.js';
import { createGateway, type Gateway } from './gateway.js';
import { connectClient, endAll } from './test-support/mqtt-clients.js';

const KEY = 'first-servo-key-0123456789abcdef';
const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
const CONFIG = `
http: { host: 127.0.0.1, port: 8080 }
auth:
  keys:
    - { name: me, role: admin, sha256: ${createHash('sha256').update(KEY).digest('hex')} }
motion:
  controllers: [{ id: servos, driver: maestro, path: "sim://maestro/servos?channels=6", maestro: { channels: 6 } }]
  axes:
    - { name: pan, controller: servos, axis: 0, unit: deg, countsPerUnit: 22.2222, countAtZero: 6000, minUnits: -90, maxUnits: 90, maxVelocityUnitsPerS: 300, maxAccelerationUnitsPerS2: 3000, defaultVelocityUnitsPerS: 90, defaultAccelerationUnitsPerS2: 900 }
`;

const clock = new ManualClock({ monotonicMs: 5_000, epochMs: 1_700_000_000_000 });
let sims: SimulatedControllers | undefined;
let gateway: Gateway;
let viewer: MqttClient | undefined;

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function stepClock(totalMs: number, stepMs = 5): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    clock.advanceBy(Math.min(stepMs, totalMs - elapsed));
    for (let i = 0; i < 5; i++) await settle();
  }
}

/** Steps the clock until `work` settles (a move's wait, the shutdown's bounded steps). */
async function whileStepping<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 2_000 && !done; i++) await stepClock(5);
  return settled;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await whileStepping(
    fetch(`${gateway.httpUrl()}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

beforeAll(async () => {
  const config = parseConfigText(CONFIG, { env: PORTS });
  expect(config.line).toBeUndefined();
  sims = await startSimulatedControllers(config.motion, { clock, defaults: { pacing: false } });
  gateway = createGateway(config, { simulatorBinding: sims.binding, clock });
  await gateway.start();
  for (let i = 0; i < 400 && !gateway.motion.isReady(); i++) await stepClock(5);
  expect(gateway.motion.isReady()).toBe(true);
}, 30_000);

afterAll(async () => {
  await endAll([viewer]);
  if (gateway) await whileStepping(gateway.close());
  await sims?.close();
});

describe('a gateway without a line', () => {
  it('has no line object: asking for one fails by code', () => {
    expect(gateway.hasLine).toBe(false);
    const codeOf = (read: () => unknown): string | undefined => {
      try {
        read();
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return undefined;
    };
    expect(codeOf(() => gateway.line)).toBe('EDGE_LINE_NOT_CONFIGURED');
    expect(codeOf(() => gateway.lineController)).toBe('EDGE_LINE_NOT_CONFIGURED');
    expect(gateway.config.topicPrefix).toBe('servo-edge');
  });

  it('answers the line routes with 404 EDGE_LINE_NOT_CONFIGURED (problem+json)', async () => {
    const calls: [string, string, unknown][] = [
      ['GET', '/line', undefined],
      ['POST', '/line/command', { command: 'Reset' }],
      ['POST', '/line/mode', { mode: 'Manual' }],
      ['GET', '/inspections', undefined],
    ];
    for (const [method, path, body] of calls) {
      const answer = await call(method, path, body);
      expect({ path, status: answer.status, code: answer.body['code'] }).toEqual({
        path,
        status: 404,
        code: 'EDGE_LINE_NOT_CONFIGURED',
      });
      expect(answer.type).toMatch(/^application\/problem\+json/);
    }
  });

  it('moves an axis over REST with the digest-only key, unguarded by any unit mode', async () => {
    expect((await call('POST', '/axes/pan/enable')).status).toBe(200);
    const moved = await call('POST', '/axes/pan/move?wait=true', { position: 45 });
    expect(moved.body['status']).toBe('done');
    const pan = await call('GET', '/axes/pan');
    expect(pan.body['position']).toBeCloseTo(45, 1);
  });

  it('publishes axis, link and gateway state over MQTT, and no line state', async () => {
    // The broker authenticates the same key by its digest (username = key name).
    viewer = await connectClient(gateway.mqttUrl(), { username: 'me', password: KEY });
    const prefix = gateway.config.topicPrefix;
    const expected = [`${prefix}/gateway/status`, `${prefix}/axes/pan/state`, `${prefix}/links/servos/state`];
    const retained = new Set<string>();
    const all = new Promise<void>((resolve) => {
      viewer!.on('message', (topic, _payload, packet) => {
        if (!packet.retain) return;
        retained.add(topic);
        if (expected.every((t) => retained.has(t))) resolve();
      });
    });
    await viewer.subscribeAsync(`${prefix}/#`, { qos: 1 });
    await all;
    // The bridge publishes every retained state in one go at start, so the broker delivers them together.
    await stepClock(50);
    expect([...retained].filter((topic) => topic.includes('/line'))).toEqual([]);
  });
});
