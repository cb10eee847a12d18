// Graceful shutdown of `servo-edge --config`: SIGTERM stops in order within the budget and leaves
// `offline` retained on the status topic; a second signal exits at once.

import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../cli-command.js';
import { createRunCommand } from './run.js';

const CONFIG = fileURLToPath(new URL('../../../edge.demo.yaml', import.meta.url));
const KEYS = {
  SERVO_EDGE_DEMO_ADMIN_KEY: 'admin-key-0123456789abcdef',
  SERVO_EDGE_DEMO_OPERATOR_KEY: 'operator-key-0123456789abcdef',
  SERVO_EDGE_DEMO_VIEWER_KEY: 'viewer-key-0123456789abcdef',
  SERVO_EDGE_DEMO_VISION_KEY: 'vision-key-0123456789abcdef',
  SERVO_EDGE_DEMO_CAMERA_KEY: 'camera-key-0123456789abcdef',
};

function harness() {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const out: string[] = [];
  let onRunning: (line: string) => void = () => {};
  const running = new Promise<string>((resolve) => {
    onRunning = resolve;
  });
  const io: CliIo = {
    out: (line) => {
      out.push(line);
      if (line.startsWith('servo-edge running')) onRunning(line);
    },
    err: (line) => out.push(line),
    env: {
      ...KEYS,
      SERVO_EDGE_PORT: '0',
      SERVO_EDGE_MQTT_PORT: '0',
      SERVO_EDGE_MQTT_WS_PORT: '0',
      SERVO_EDGE_LOG_LEVEL: 'error',
    },
  };
  const command = createRunCommand({
    signals: signals as unknown as Pick<NodeJS.Process, 'once' | 'removeListener'>,
    exit: (code) => exits.push(code),
  });
  return { signals, exits, out, io, command, running };
}

describe('servo-edge --config: shutdown', () => {
  it('SIGTERM: publishes offline, closes everything within the budget, exits 0', async () => {
    const h = harness();
    const done = h.command.run(['--config', CONFIG], h.io);
    const line = await h.running;
    const url = /mqtt (mqtt:\/\/\S+)/.exec(line)![1]!;
    // 1. A plant client sees the gateway online (retained).
    const client = await mqtt.connectAsync(url, {
      username: 'admin',
      password: KEYS.SERVO_EDGE_DEMO_ADMIN_KEY,
      reconnectPeriod: 0,
    });
    const statuses: string[] = [];
    let sawOffline: () => void = () => {};
    const offline = new Promise<void>((resolve) => {
      sawOffline = resolve;
    });
    client.on('message', (_topic, payload) => {
      statuses.push(payload.toString());
      if (payload.toString() === 'offline') sawOffline();
    });
    await client.subscribeAsync('servo-edge/demo/gateway/status', { qos: 1 });
    await expect.poll(() => statuses).toContain('online');
    // 2. SIGTERM: offline reaches the client before the broker goes away, then the command returns 0.
    h.signals.emit('SIGTERM');
    await offline;
    await expect(done).resolves.toBe(0);
    expect(h.exits).toEqual([]); // the overrun guard never fired
    expect(statuses.at(-1)).toBe('offline');
    client.end(true);
  });

  it('a second signal exits at once', async () => {
    const h = harness();
    const done = h.command.run(['--config', CONFIG], h.io);
    await h.running;
    h.signals.emit('SIGTERM');
    h.signals.emit('SIGINT');
    expect(h.exits).toEqual([1]);
    await expect(done).resolves.toBe(0);
  });

  it('refuses a missing --config with a usage error, and a broken file with its problems', async () => {
    const h = harness();
    await expect(h.command.run([], h.io)).resolves.toBe(2);
    await expect(h.command.run(['--config', '/nonexistent/edge.yaml'], h.io)).resolves.toBe(1);
    expect(h.out.join('\n')).toMatch(/CONFIG_UNREADABLE/);
  });
});
