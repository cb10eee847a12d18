// StreamHub: snapshot on connect, coalesced updates at the client's rate, events in order, and slow
// or flooded clients dropped (1013) instead of buffered forever.

import type { ManualClock } from '@servo-edge/common/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test-support/harness.js';
import { settle } from '../test-support/settle.js';
import { FakeWebSocket } from '../testing/fake-socket.js';
import { StreamHub } from './stream-hub.js';
import { WS_CLOSE } from './ws-fanout.js';

let h: Harness;
let hub: StreamHub;
let clock: ManualClock;
afterEach(async () => {
  hub?.close();
  await h?.close();
});

async function setup(stream: Record<string, number> = {}): Promise<void> {
  h = await startHarness({
    patch: (raw) => {
      raw.stream = { rateHz: 10, ...stream };
    },
  });
  clock = h.clock;
  hub = new StreamHub({ service: h.service, config: h.config.stream, clock });
}

describe('StreamHub', () => {
  it('sends a snapshot, then one coalesced update per period with the latest state and the events', async () => {
    await setup();
    const socket = new FakeWebSocket();
    hub.add(socket, 5); // 200 ms period
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0]).toMatchObject({
      type: 'snapshot',
      controllers: [{ id: 'ctrl1' }, { id: 'ctrl2' }],
    });
    // 1. Three position reports within one period...
    for (const p of [100, 200, 300]) h.ctrl1.event('POS', { t: p, p: [p, 0, 0, 0], v: [0, 0, 0, 0] });
    h.ctrl1.fault(2, 'FERR');
    await settle();
    clock.advanceBy(199);
    expect(socket.sent).toHaveLength(1);
    // 2. ...give one update with the last position, and the FAULT event.
    clock.advanceBy(1);
    expect(socket.sent).toHaveLength(2);
    const update = socket.sent[1] as {
      type: string;
      axes: { name: string; position: number }[];
      events: unknown[];
    };
    expect(update.type).toBe('update');
    expect(update.axes.find((a) => a.name === 'conveyor')?.position).toBe(3);
    expect(update.events).toContainEqual(
      expect.objectContaining({
        type: 'device',
        event: 'FAULT',
        axis: 'reject-arm',
        fields: { axis: 2, code: 'FERR' },
      }),
    );
    // 3. Nothing changed: nothing sent.
    clock.advanceBy(1000);
    expect(socket.sent).toHaveLength(2);
  });

  it('caps a client at the configured rate', async () => {
    await setup({ rateHz: 2 });
    const socket = new FakeWebSocket();
    hub.add(socket, 100);
    h.ctrl1.event('POS', { t: 1, p: [1, 0, 0, 0], v: [0, 0, 0, 0] });
    await settle();
    clock.advanceBy(499);
    expect(socket.sent).toHaveLength(1);
    clock.advanceBy(1);
    expect(socket.sent).toHaveLength(2);
  });

  it('drops a client whose socket is not draining (1013)', async () => {
    let dropped = 0;
    await setup({ maxBufferedBytes: 1024 });
    hub = new StreamHub({ service: h.service, config: h.config.stream, clock, onDropped: () => dropped++ });
    const slow = new FakeWebSocket();
    const fast = new FakeWebSocket();
    hub.add(slow);
    hub.add(fast);
    slow.bufferedAmount = 4096;
    h.ctrl1.event('POS', { t: 1, p: [5, 0, 0, 0], v: [0, 0, 0, 0] });
    await settle();
    clock.advanceBy(100);
    expect(slow.closedWith).toBe(WS_CLOSE.TOO_SLOW);
    expect(fast.sent).toHaveLength(2);
    expect(dropped).toBe(1);
    expect(hub.clientCount).toBe(1);
  });

  it('drops a client when events pile up beyond maxQueuedEvents between two updates', async () => {
    await setup({ maxQueuedEvents: 3 });
    const socket = new FakeWebSocket();
    hub.add(socket);
    for (let i = 0; i < 4; i++) h.ctrl1.event('HOMED', { axis: 1, pos: 0 });
    await settle();
    expect(socket.closedWith).toBe(WS_CLOSE.TOO_SLOW);
  });

  it('refuses clients beyond maxClients, and closes everyone on close()', async () => {
    await setup({ maxClients: 1 });
    const a = new FakeWebSocket();
    const b = new FakeWebSocket();
    hub.add(a);
    hub.add(b);
    expect(b.closedWith).toBe(WS_CLOSE.TOO_MANY);
    hub.close();
    expect(a.closedWith).toBe(1001);
    expect(clock.pendingTimers()).toBeLessThanOrEqual(2); // only the links' heartbeats remain
  });
});
