// The bridge against an in-memory connection and a stepped clock: rate limits, retained state, status, inputs.

import { asEpochMs } from '@servo-edge/common/clock';
import { type VerdictMessage as InspectionVerdict, topicTree } from '@servo-edge/common/mqtt';
import { createMemoryLogger, ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { LineModel } from '../packml/line-model.js';
import type { PackMLCommand } from '../packml/states.js';
import { createFakeConnection } from '../test-support/fake-connection.js';
import { axisSnapshot, createManualSource } from '../test-support/fake-sources.js';
import { createMqttBridge, gatewayStatusWill } from './mqtt-bridge.js';
import type { AxisStateSnapshot, LinkStateSnapshot } from './state-sources.js';

const topics = topicTree('servo-edge/line-1');
const link = (overrides: Partial<LinkStateSnapshot> = {}): LinkStateSnapshot => ({
  controller: 'ctrl-a',
  path: 'sim://a',
  state: 'connected',
  rttMs: 1.2,
  retransmits: 0,
  crcErrors: 0,
  bytesIn: 10,
  bytesOut: 10,
  lastError: null,
  timestampMs: asEpochMs(0),
  ...overrides,
});

const setup = async () => {
  const clock = new ManualClock({ monotonicMs: 0 });
  const logger = createMemoryLogger();
  const connection = createFakeConnection();
  await connection.start();
  const axes = createManualSource<AxisStateSnapshot>((s) => s.axis, [axisSnapshot()]);
  const links = createManualSource<LinkStateSnapshot>((s) => s.controller, [link()]);
  const line = new LineModel({
    line: 'line-1',
    clock,
    rateWindowMs: 60_000,
    recentInspectionsMax: 10,
    visionOnline: true,
  });
  const verdicts: InspectionVerdict[] = [];
  const commands: PackMLCommand[] = [];
  const visionStatus: [string, boolean][] = [];
  const bridge = createMqttBridge({
    connection,
    topics,
    axes,
    links,
    line,
    publishIntervalMs: 100,
    maxInspectionBytes: 4096,
    clock,
    logger: logger.logger,
    onInspection: (verdict) => verdicts.push(verdict),
    onLineCommand: (command) => {
      commands.push(command);
      line.command(command);
    },
    onVisionStatus: (instance, online) => visionStatus.push([instance, online]),
  });
  await bridge.start();
  await Promise.resolve();
  return { clock, logger, connection, axes, links, line, bridge, verdicts, commands, visionStatus };
};
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('start', () => {
  it('subscribes to verdicts, commands and vision status, then publishes online and every snapshot, retained', async () => {
    const { connection } = await setup();
    expect(connection.filters).toEqual([topics.inspection, topics.lineCommand, topics.visionStatusAll]);
    expect(connection.published.map((m) => [m.topic, m.retain, m.qos])).toEqual([
      [topics.gatewayStatus, true, 1],
      [topics.axisState('conveyor'), true, 0],
      [topics.linkState('ctrl-a'), true, 1],
      [topics.lineState, true, 1],
    ]);
    expect(connection.payloadsOn(topics.gatewayStatus)).toEqual(['online']);
    expect(JSON.parse(connection.payloadsOn(topics.lineState)[0]!)).toMatchObject({
      state: 'Stopped',
      line: 'line-1',
    });
  });

  it('offers the Last Will that matches its status topic', () => {
    expect(gatewayStatusWill(topics)).toEqual({
      topic: topics.gatewayStatus,
      payload: 'offline',
      qos: 1,
      retain: true,
    });
  });
});

describe('axis state', () => {
  it('is rate-limited per axis, and the last value is always published', async () => {
    const { clock, connection, axes } = await setup();
    const topic = topics.axisState('conveyor');
    // 1. 50 updates over 500 ms at 100 Hz.
    for (let i = 1; i <= 50; i++) {
      axes.emit(axisSnapshot({ position: i, state: 'MOVING', timestampMs: clock.epochMs() }));
      clock.advanceBy(10);
    }
    clock.advanceBy(100);
    await flush();
    const positions = connection.payloadsOn(topic).map((p) => (JSON.parse(p) as AxisStateSnapshot).position);
    // 2. The start snapshot, the state change to MOVING at once, then one per 100 ms; the last is 50.
    expect(positions[0]).toBe(0);
    expect(positions[1]).toBe(1);
    expect(positions.length).toBeLessThanOrEqual(2 + 5);
    expect(positions.at(-1)).toBe(50);
  });

  it('axes are limited independently; a state change goes out at once', async () => {
    const { connection, axes } = await setup();
    axes.emit(axisSnapshot({ axis: 'reject-arm', position: 1 }));
    axes.emit(axisSnapshot({ axis: 'conveyor', position: 1 }));
    axes.emit(axisSnapshot({ axis: 'conveyor', position: 2, state: 'ESTOP' }));
    await flush();
    expect(connection.payloadsOn(topics.axisState('reject-arm'))).toHaveLength(1);
    expect(connection.payloadsOn(topics.axisState('conveyor')).map((p) => JSON.parse(p).state)).toEqual([
      'IDLE',
      'IDLE',
      'ESTOP',
    ]);
  });
});

describe('line and link state', () => {
  it('line transitions go out at once; counter-only changes are rate-limited', async () => {
    const { clock, connection, line } = await setup();
    line.command('Reset');
    line.stateComplete();
    for (let i = 0; i < 20; i++) line.recordProduct('good');
    await flush();
    const states = connection.payloadsOn(topics.lineState).map((p) => JSON.parse(p));
    expect(states.map((s) => s.state)).toEqual(['Stopped', 'Resetting', 'Idle']);
    clock.advanceBy(100);
    await flush();
    expect(JSON.parse(connection.payloadsOn(topics.lineState).at(-1)!).counters.produced).toBe(20);
  });

  it('link state changes are published retained', async () => {
    const { connection, links } = await setup();
    links.emit(link({ state: 'reconnecting', lastError: 'PROTO_LINK_LOST' }));
    await flush();
    expect(connection.payloadsOn(topics.linkState('ctrl-a')).map((p) => JSON.parse(p).state)).toEqual([
      'connected',
      'reconnecting',
    ]);
  });
});

describe('reconnect', () => {
  it('drops publishes while down and republishes online and every snapshot on reconnect', async () => {
    const { connection, axes, bridge } = await setup();
    connection.setConnected(false);
    axes.emit(axisSnapshot({ position: 7, state: 'MOVING' }));
    expect(bridge.stats().dropped).toBe(1);
    const before = connection.published.length;
    connection.setConnected(true);
    await flush();
    const again = connection.published.slice(before).map((m) => m.topic);
    expect(again).toEqual([
      topics.gatewayStatus,
      topics.axisState('conveyor'),
      topics.linkState('ctrl-a'),
      topics.lineState,
    ]);
    expect(JSON.parse(connection.payloadsOn(topics.axisState('conveyor')).at(-1)!).position).toBe(7);
  });
});

describe('inputs', () => {
  it('passes valid verdicts on and drops garbage with a log line, never throwing', async () => {
    const { connection, verdicts, logger, bridge } = await setup();
    const good = sampleVerdict();
    for (const garbage of [
      '',
      'not json',
      '[]',
      '{"productId":"p"}',
      JSON.stringify({ ...good, verdict: 'maybe' }),
      'x'.repeat(5000),
    ]) {
      connection.deliver(topics.inspection, garbage);
    }
    connection.deliver(topics.inspection, Buffer.from([0xff, 0xfe, 0x00]));
    connection.deliver(topics.inspection, JSON.stringify(good));
    expect(verdicts).toEqual([good]);
    expect(bridge.stats()).toMatchObject({ inspectionsAccepted: 1, inspectionsRejected: 7 });
    expect(
      logger.events('bridge.inspection.invalid').every((r) => r.fields['code'] === 'EDGE_INSPECTION_INVALID'),
    ).toBe(true);
  });

  it('passes valid line commands on; invalid ones and refused ones are logged', async () => {
    const { connection, commands, logger, line } = await setup();
    connection.deliver(topics.lineCommand, '{"command":"Reset"}');
    connection.deliver(topics.lineCommand, '{"command":"Launch"}');
    connection.deliver(topics.lineCommand, 'garbage');
    connection.deliver(topics.lineCommand, '{"command":"Hold"}');
    expect(commands).toEqual(['Reset', 'Hold']);
    expect(line.state).toBe('Resetting');
    expect(logger.events('bridge.command.invalid').map((r) => r.fields['code'])).toEqual([
      'EDGE_COMMAND_INVALID',
      'EDGE_COMMAND_INVALID',
    ]);
    expect(logger.events('bridge.command.refused').map((r) => r.fields['code'])).toEqual([
      'EDGE_PACKML_COMMAND_NOT_ALLOWED',
    ]);
  });

  it('reports vision instances going online and offline', async () => {
    const { connection, visionStatus } = await setup();
    connection.deliver(topics.visionStatus('vision-a'), 'online');
    connection.deliver(topics.visionStatus('vision-a'), 'offline');
    connection.deliver(topics.visionStatus('vision-b'), 'sleepy');
    expect(visionStatus).toEqual([
      ['vision-a', true],
      ['vision-a', false],
    ]);
  });
});

describe('close', () => {
  it('publishes offline, stops following the sources, and is idempotent', async () => {
    const { connection, axes, bridge, clock } = await setup();
    axes.emit(axisSnapshot({ position: 1 }));
    await Promise.all([bridge.close(), bridge.close()]);
    expect(connection.payloadsOn(topics.gatewayStatus)).toEqual(['online', 'offline']);
    expect(axes.listenerCount()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    const count = connection.published.length;
    axes.emit(axisSnapshot({ position: 2, state: 'MOVING' }));
    connection.setConnected(true);
    expect(connection.published.length).toBe(count);
  });
});
