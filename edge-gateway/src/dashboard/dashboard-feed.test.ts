// The dashboard feed on a stepped clock with fake sockets: snapshot, coalesced shared updates, new
// verdicts once, link health period, slow and surplus clients, and nothing running while nobody watches.

import { ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import {
  type AxisStatus,
  type ControllerStatus,
  type MotionServiceEvent,
  WS_CLOSE,
} from '@servo-edge/motion-api';
import { FakeWebSocket as FakeSocket } from '@servo-edge/motion-api/testing';
import { describe, expect, it } from 'vitest';
import { LineModel } from '../packml/line-model.js';
import { MODE_CHANGE_STATES, UNIT_MODES } from '../packml/unit-modes.js';
import { type BrokerStatus, DashboardFeed } from './dashboard-feed.js';

function axisStatus(name: string, position: number): AxisStatus {
  return { name, position, velocity: 0, state: 'IDLE' } as AxisStatus;
}

function setup(options: { maxClients?: number; owners?: Map<string, string> } = {}) {
  const clock = new ManualClock({ monotonicMs: 1000 });
  const listeners = new Set<(event: MotionServiceEvent) => void>();
  const positions = new Map([
    ['conveyor', 0],
    ['filler', 0],
  ]);
  let controllers = [{ id: 'ctrl-a', rttMs: 1, estopLatched: false }] as unknown as ControllerStatus[];
  const motion = {
    listAxes: () => [...positions].map(([name, p]) => axisStatus(name, p)),
    axis: (name: string) => axisStatus(name, positions.get(name)!),
    controllers: () => controllers,
    subscribe(listener: (event: MotionServiceEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const line = new LineModel({ line: 'demo', clock, rateWindowMs: 60_000, recentInspectionsMax: 50 });
  let broker: BrokerStatus = { kind: 'embedded', connected: true };
  const fresh: string[][] = [];
  const counts: number[] = [];
  const feed = new DashboardFeed({
    motion,
    line,
    broker: () => broker,
    clock,
    rateHz: 10,
    maxClients: options.maxClients ?? 4,
    maxBufferedBytes: 1000,
    controllersPeriodMs: 1000,
    onNewInspections: (verdicts) => fresh.push(verdicts.map((v) => v.productId ?? 'null')),
    onClientCount: (n) => counts.push(n),
    ...(options.owners ? { axisOwners: () => options.owners! } : {}),
  });
  const emit = (event: MotionServiceEvent) => {
    for (const l of listeners) l(event);
  };
  const move = (name: string, position: number) => {
    positions.set(name, position);
    emit({ type: 'axis', axis: name });
  };
  return {
    clock,
    feed,
    line,
    listeners,
    emit,
    move,
    fresh,
    counts,
    setBroker: (b: BrokerStatus) => {
      broker = b;
    },
    setControllers: (c: ControllerStatus[]) => {
      controllers = c;
    },
  };
}

describe('DashboardFeed', () => {
  it('sends a snapshot with the role, then nothing while nothing changes', () => {
    const t = setup();
    t.line.recordInspection(sampleVerdict({ productId: 'p-1' }));
    const socket = new FakeSocket();
    t.feed.add(socket, 'operator');
    expect(socket.sent).toHaveLength(1);
    expect(socket.last()).toMatchObject({
      type: 'snapshot',
      role: 'operator',
      broker: { kind: 'embedded', connected: true },
      line: { state: 'Stopped' },
    });
    const snapshot = socket.last() as { axes: unknown[]; inspections: { productId: string }[] };
    expect(snapshot.axes).toHaveLength(2);
    // Verdicts are slimmed: no decoded data, no label report.
    expect(snapshot.inspections).toEqual([
      {
        productId: 'p-1',
        verdict: 'reject',
        reasons: ['WRONG_GTIN', 'SKEWED'],
        camera: 'cam-1',
        capturedAtMs: 1_700_000_000_000,
        inspectedAtMs: 1_700_000_000_012,
        totalMs: 11.2,
      },
    ]);
    t.clock.advanceBy(500);
    expect(socket.sent).toHaveLength(1);
  });

  it("sends each axis's owner, read at each snapshot, and the unit-mode rules", () => {
    const owners = new Map([['conveyor', 'conveyor']]);
    const t = setup({ owners });
    const first = new FakeSocket();
    t.feed.add(first, 'viewer');
    expect(first.last()).toMatchObject({
      axisOwners: { conveyor: 'conveyor' },
      unitModes: { modes: [...UNIT_MODES], changeStates: [...MODE_CHANGE_STATES] },
    });
    owners.set('filler', 'filler');
    const second = new FakeSocket();
    t.feed.add(second, 'viewer');
    expect(second.last()).toMatchObject({ axisOwners: { conveyor: 'conveyor', filler: 'filler' } });
  });

  it('sends no owners when none are given', () => {
    const t = setup();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    expect(socket.last()).toMatchObject({ axisOwners: {} });
  });

  it('sends the line on a unit-mode change', () => {
    const t = setup();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    t.line.changeMode('Manual');
    t.clock.advanceBy(100);
    expect(socket.last()).toMatchObject({ type: 'update', line: { mode: 'Manual', state: 'Stopped' } });
  });

  it('sends the line once a period while nothing else changes: OEE and the time in state run on', () => {
    const t = setup();
    t.line.visionOnline(); // else Execute suspends at once
    t.line.command('Reset');
    t.line.stateComplete();
    t.line.command('Start');
    t.line.stateComplete();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    t.clock.advanceBy(900);
    expect(socket.sent).toHaveLength(1);
    t.clock.advanceBy(100);
    const update = socket.last() as { line?: { timeInStateMs: number; oee: { runTimeMs: number } } };
    expect(update.line?.timeInStateMs).toBe(1000);
    expect(update.line?.oee.runTimeMs).toBe(1000);
    t.clock.advanceBy(1000);
    expect((socket.last() as typeof update).line?.oee.runTimeMs).toBe(2000);
  });

  it('coalesces axis changes into one update per tick, the same bytes for every client', () => {
    const t = setup();
    const [a, b] = [new FakeSocket(), new FakeSocket()];
    t.feed.add(a, 'viewer');
    t.feed.add(b, 'admin');
    t.move('filler', 1);
    t.move('filler', 2);
    t.move('filler', 3);
    t.clock.advanceBy(100);
    expect(a.last()).toEqual({ type: 'update', axes: [axisStatus('filler', 3)] });
    expect(b.last()).toEqual(a.last());
    expect(a.sent).toHaveLength(2);
  });

  it('sends the line snapshot when it changed, and each new verdict once, newest first', () => {
    const t = setup();
    const socket = new FakeSocket();
    t.line.recordInspection(sampleVerdict({ productId: 'old' }));
    t.feed.add(socket, 'viewer');
    t.line.command('Reset');
    t.line.recordInspection(sampleVerdict({ productId: 'p-2', verdict: 'pass', reasons: [] }));
    t.line.recordInspection(sampleVerdict({ productId: 'p-3' }));
    t.clock.advanceBy(100);
    const update = socket.last() as { line?: { state: string }; inspections?: { productId: string }[] };
    expect(update.line?.state).toBe('Resetting');
    expect(update.inspections?.map((i) => i.productId)).toEqual(['p-3', 'p-2']);
    expect(t.fresh).toEqual([['p-3', 'p-2']]);
    t.clock.advanceBy(100);
    expect(t.fresh).toHaveLength(1);
  });

  it('sends link health every period and at once on a link or ESTOP event; leaves DONE out', () => {
    const t = setup();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    t.clock.advanceBy(900);
    expect(socket.sent).toHaveLength(1);
    t.clock.advanceBy(100);
    expect(socket.last()).toMatchObject({ type: 'update', controllers: [{ id: 'ctrl-a' }] });
    const latched = [{ id: 'ctrl-a', estopLatched: true }] as unknown as ControllerStatus[];
    t.setControllers(latched);
    t.emit({ type: 'device', controller: 'ctrl-a', axis: null, event: 'ESTOP', fields: { src: 'host' } });
    t.emit({ type: 'device', controller: 'ctrl-a', axis: 'filler', event: 'DONE', fields: { seq: 3 } });
    t.clock.advanceBy(100);
    expect(socket.last()).toEqual({
      type: 'update',
      controllers: latched,
      events: [{ controller: 'ctrl-a', axis: null, event: 'ESTOP', fields: { src: 'host' } }],
    });
  });

  it('reports a broker status change', () => {
    const t = setup();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    t.setBroker({ kind: 'embedded', connected: false });
    t.clock.advanceBy(100);
    expect(socket.last()).toEqual({ type: 'update', broker: { kind: 'embedded', connected: false } });
  });

  it('drops a client that does not drain, and keeps serving the others', () => {
    const t = setup();
    const [slow, fast] = [new FakeSocket(), new FakeSocket()];
    t.feed.add(slow, 'viewer');
    t.feed.add(fast, 'viewer');
    slow.bufferedAmount = 5000;
    t.move('filler', 1);
    t.clock.advanceBy(100);
    expect(slow.closedWith).toBe(WS_CLOSE.TOO_SLOW);
    expect(fast.sent).toHaveLength(2);
    expect(t.feed.clientCount).toBe(1);
  });

  it('refuses clients beyond maxClients', () => {
    const t = setup({ maxClients: 1 });
    t.feed.add(new FakeSocket(), 'viewer');
    const extra = new FakeSocket();
    t.feed.add(extra, 'viewer');
    expect(extra.closedWith).toBe(WS_CLOSE.TOO_MANY);
    expect(extra.sent).toEqual([]);
  });

  it('subscribes and ticks only while someone watches', () => {
    const t = setup();
    expect(t.listeners.size).toBe(0);
    expect(t.clock.nextTimerAtMs()).toBeUndefined();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    expect(t.listeners.size).toBe(1);
    expect(t.clock.nextTimerAtMs()).toBeDefined();
    socket.close(1000);
    expect(t.listeners.size).toBe(0);
    expect(t.clock.nextTimerAtMs()).toBeUndefined();
    expect(t.counts).toEqual([1, 0]);
  });

  it('closes every client with 1001 on close, and takes no more', () => {
    const t = setup();
    const socket = new FakeSocket();
    t.feed.add(socket, 'viewer');
    t.feed.close();
    expect(socket.closedWith).toBe(WS_CLOSE.GOING_AWAY);
    const late = new FakeSocket();
    t.feed.add(late, 'viewer');
    expect(late.closedWith).toBe(WS_CLOSE.TOO_MANY);
  });
});
