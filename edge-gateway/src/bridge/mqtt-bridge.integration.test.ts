// The bridge over the real embedded broker: retained state a late viewer sees, verdicts from a service key, offline at close.

import { type VerdictMessage as InspectionVerdict, topicTree } from '@servo-edge/common/mqtt';
import { createMemoryLogger, ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbeddedBroker } from '../broker/embedded-broker.js';
import { createGatewayConnection } from '../broker/gateway-connection.js';
import type { AuthConfig, EmbeddedMqttConfig } from '../config/types.js';
import { LineModel } from '../packml/line-model.js';
import { connectClient, endAll, nextMessage } from '../test-support/mqtt-clients.js';
import { createMqttBridge, gatewayStatusWill } from './mqtt-bridge.js';

const prefix = 'servo-edge/int';
const topics = topicTree(prefix);
const config: EmbeddedMqttConfig = {
  mode: 'embedded',
  host: '127.0.0.1',
  portTcp: 0,
  portWs: 0,
  drainTimeoutMs: 1000,
  connectTimeoutMs: 2000,
};
const VIEWER = 'viewer-secret-012345678';
const VISION = 'vision-secret-012345678';
const auth: AuthConfig = {
  devModeNoAuth: false,
  keys: [
    { name: 'dashboard', key: VIEWER, role: 'viewer', source: 'file' },
    { name: 'vision', key: VISION, role: 'service', source: 'file' },
  ],
};
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const task of cleanup.splice(0).reverse()) await task();
});

describe('bridge over the embedded broker', () => {
  it('publishes retained status and line state, accepts verdicts, and says offline at close', async () => {
    // 1. Broker, the gateway's own connection with its Last Will, the bridge.
    const memory = createMemoryLogger();
    const logger = memory.logger;
    const broker = createEmbeddedBroker({ config, auth, topicPrefix: prefix, logger });
    cleanup.push(() => broker.close());
    await broker.start();
    const connection = createGatewayConnection({
      mqtt: config,
      broker,
      will: gatewayStatusWill(topics),
      logger,
    });
    cleanup.push(() => connection.close());
    await connection.start();
    const line = new LineModel({
      line: 'int',
      // The line's readings only (the bridge keeps real timers): a wall clock far from the monotonic one.
      clock: new ManualClock({ monotonicMs: 5_000, epochMs: 1_700_000_000_000 }),
      rateWindowMs: 60_000,
      recentInspectionsMax: 10,
    });
    let verdictArrived: (verdict: InspectionVerdict) => void = () => {};
    const firstVerdict = new Promise<InspectionVerdict>((resolve) => {
      verdictArrived = resolve;
    });
    const bridge = createMqttBridge({
      connection,
      topics,
      line,
      publishIntervalMs: 50,
      maxInspectionBytes: 65_536,
      logger,
      onInspection: (verdict) => {
        line.recordInspection(verdict);
        verdictArrived(verdict);
      },
    });
    cleanup.push(() => bridge.close());
    await bridge.start();

    // 2. A viewer that connects afterwards still gets the retained status and line state.
    const viewer = await connectClient(broker.tcpUrl(), { username: 'dashboard', password: VIEWER });
    cleanup.push(() => endAll([viewer]));
    const status = nextMessage(viewer, (topic) => topic === topics.gatewayStatus);
    const lineState = nextMessage(viewer, (topic) => topic === topics.lineState);
    await viewer.subscribeAsync(`${prefix}/#`, { qos: 1 });
    expect(await status).toMatchObject({ payload: 'online', retain: true });
    // The retained state carries wall-clock (epoch) times, not the monotonic reading.
    expect(JSON.parse((await lineState).payload)).toMatchObject({
      state: 'Stopped',
      stateSinceMs: 1_700_000_000_000,
      timestampMs: 1_700_000_000_000,
    });

    // 3. The vision service publishes garbage, then a verdict: only the verdict arrives.
    const vision = await connectClient(broker.tcpUrl(), { username: 'vision', password: VISION });
    cleanup.push(() => endAll([vision]));
    await vision.publishAsync(topics.inspection, '{"broken":', { qos: 1 });
    await vision.publishAsync(topics.inspection, JSON.stringify(sampleVerdict({ productId: 'p-1' })), {
      qos: 1,
    });
    expect((await firstVerdict).productId).toBe('p-1');
    expect(bridge.stats()).toMatchObject({ inspectionsAccepted: 1, inspectionsRejected: 1 });
    expect(memory.events('bridge.inspection.invalid')).toHaveLength(1);

    // 4. Close: the viewer sees `offline`.
    const offline = nextMessage(
      viewer,
      (topic, payload) => topic === topics.gatewayStatus && payload.toString() === 'offline',
    );
    await bridge.close();
    expect((await offline).payload).toBe('offline');
  });
});
