// Scale-out on Debian's mosquitto (MQTT 5, password auth): three instances share one subscription
// ($share/vision/...) and split the frames, none lost and none judged twice.

import type { VerdictMessage } from '@servo-edge/common/mqtt';
import {
  createMemoryLogger,
  type Mosquitto,
  mosquittoSkipReason,
  startMosquitto,
} from '@servo-edge/common/testing';
import { generateLabel } from '@servo-edge/simulator/labels';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type VisionConfig } from './config.js';
import { createVisionService, type VisionService } from './service.js';
import { gray8Frame } from './test-support/frames.js';
import { collectJson } from './test-support/mqtt-collector.js';

const skipReason = mosquittoSkipReason();
const USERS = { vision: 'vision-secret-1', line: 'line-secret-2' };
const FRAME_COUNT = 45;

describe.skipIf(skipReason !== undefined)(
  `vision service on mosquitto${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let broker: Mosquitto;
    let publisher: MqttClient;

    beforeAll(async () => {
      broker = await startMosquitto(USERS);
      publisher = await mqtt.connectAsync(broker.url, {
        protocolVersion: 5,
        username: 'line',
        password: USERS.line,
        reconnectPeriod: 0,
      });
    });

    afterAll(async () => {
      await publisher?.endAsync();
      await broker?.close();
    });

    function config(instance: string, password: string): VisionConfig {
      return resolveConfig(
        {
          line: 'mosq',
          instance,
          mqtt: { url: broker.url, protocolVersion: 5, username: 'vision', shareGroup: 'vision' },
          inspection: { workers: 1, queueLength: FRAME_COUNT, deadlineMs: 60_000 },
        },
        // The password comes from the environment, as in production.
        { env: { SERVO_VISION_MQTT_PASSWORD: password }, coreCount: 2 },
      );
    }

    it('three instances split the frames: none lost, none judged twice', async () => {
      const label = await generateLabel({ symbology: 'gs1-datamatrix', defect: 'none', seed: 51 });
      const logs = ['vision-a', 'vision-b', 'vision-c'].map(() => createMemoryLogger());
      const services: VisionService[] = ['vision-a', 'vision-b', 'vision-c'].map((name, i) =>
        createVisionService({ config: config(name, USERS.vision), log: logs[i]!.logger }),
      );
      const topics = services[0]!.topics;
      expect(topics.frameSubscription).toBe('$share/vision/servo-edge/mosq/camera/+/frame');
      await publisher.publishAsync(topics.recipe, JSON.stringify(label.recipe), { qos: 1, retain: true });
      await Promise.all(services.map((s) => s.start()));
      const auth = { protocolVersion: 5 as const, username: 'line', password: USERS.line };
      const verdicts = await collectJson<VerdictMessage>(broker.url, topics.inspection, auth);
      // The same connection watches the status topics: an instance's verdicts reach it before that
      // instance's `offline`, so once all three are offline no verdict can still be on its way.
      let offline = 0;
      const allOffline = new Promise<void>((resolve) => {
        verdicts.client.on('message', (topic, payload) => {
          if (topic.endsWith('/status') && payload.toString() === 'offline' && ++offline === 3) resolve();
        });
      });
      await verdicts.client.subscribeAsync('servo-edge/mosq/vision/+/status', { qos: 1 });

      // 1. Publish the frames, QoS 1, from one camera.
      for (let i = 0; i < FRAME_COUNT; i++) {
        const productId = `P-${String(i).padStart(3, '0')}`;
        await publisher.publishAsync(
          'servo-edge/mosq/camera/cam-1/frame',
          Buffer.from(gray8Frame(label, productId)),
          {
            qos: 1,
          },
        );
      }
      await verdicts.until((m) => m.length >= FRAME_COUNT);

      // 2. Close every instance (each drains its in-flight frames, then publishes `offline`).
      await Promise.all(services.map((s) => s.close()));
      await allOffline;
      const all = [...verdicts.messages];
      await verdicts.close();

      // 3. Exactly one verdict per frame, all passes, and every instance took a share.
      const ids = all.map((m) => m.productId);
      expect(ids).toHaveLength(FRAME_COUNT);
      expect(new Set(ids).size).toBe(FRAME_COUNT);
      expect(all.every((m) => m.verdict === 'pass')).toBe(true);
      const perInstance = new Map<string, number>();
      for (const m of all) perInstance.set(m.instance, (perInstance.get(m.instance) ?? 0) + 1);
      expect([...perInstance.keys()].sort()).toEqual(['vision-a', 'vision-b', 'vision-c']);
      expect(services.reduce((sum, s) => sum + s.stats().framesReceived, 0)).toBe(FRAME_COUNT);

      // 4. The password never reached a log line.
      for (const log of logs) expect(JSON.stringify(log.records)).not.toContain(USERS.vision);
    });

    it('a wrong password fails start() with MQTT_CONNECT_FAILED', async () => {
      const service = createVisionService({
        config: config('vision-x', 'wrong'),
        log: createMemoryLogger().logger,
      });
      try {
        await expect(service.start()).rejects.toMatchObject({ code: 'MQTT_CONNECT_FAILED' });
      } finally {
        await service.close();
      }
    });
  },
);
