// The demand-driven frame subscription on a stepped clock: subscribe on demand, linger, retry, close.

import { silentLogger } from '@servo-edge/common/log';
import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import type { MessageHandler } from '../broker/broker-connection.js';
import { FrameSubscription } from './thumbnails-frames.js';

function fakeBroker() {
  const state = {
    handler: undefined as MessageHandler | undefined,
    subscribes: 0,
    unsubscribes: 0,
    failNext: false,
    pending: [] as (() => void)[],
    hold: false,
  };
  const broker = {
    subscribe(filter: string, handler: MessageHandler) {
      expect(filter).toBe('line/camera/+/frame');
      state.subscribes++;
      if (state.failNext) {
        state.failNext = false;
        return Promise.reject(Object.assign(new Error('down'), { code: 'EDGE_MQTT_NOT_CONNECTED' }));
      }
      const granted = () => {
        state.handler = handler;
        return async () => {
          state.unsubscribes++;
          state.handler = undefined;
        };
      };
      if (!state.hold) return Promise.resolve(granted());
      return new Promise<() => Promise<void>>((resolve) => state.pending.push(() => resolve(granted())));
    },
  };
  return { state, broker };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(broker: ReturnType<typeof fakeBroker>['broker'] | undefined) {
  const clock = new ManualClock();
  const frames: Buffer[] = [];
  let released = 0;
  let current = broker;
  const sub = new FrameSubscription({
    broker: () => current,
    filter: 'line/camera/+/frame',
    onFrame: (payload) => frames.push(payload),
    onReleased: () => released++,
    clock,
    lingerMs: 30_000,
    retryMs: 2_000,
    logger: silentLogger,
  });
  return {
    clock,
    sub,
    frames,
    released: () => released,
    setBroker: (b: typeof broker) => {
      current = b;
    },
  };
}

describe('FrameSubscription', () => {
  it('subscribes when wanted, passes frames on, and lets go after the linger', async () => {
    const { state, broker } = fakeBroker();
    const t = setup(broker);
    t.sub.want(true);
    await flush();
    expect(t.sub.subscribed).toBe(true);
    state.handler!('line/camera/cam1/frame', Buffer.from('f'));
    expect(t.frames).toHaveLength(1);
    t.sub.want(false);
    t.clock.advanceBy(29_999);
    await flush();
    expect(t.sub.subscribed).toBe(true);
    t.clock.advanceBy(1);
    await flush();
    expect(t.sub.subscribed).toBe(false);
    expect(state.unsubscribes).toBe(1);
    expect(t.released()).toBe(1);
  });

  it('keeps the subscription when demand comes back within the linger', async () => {
    const { state, broker } = fakeBroker();
    const t = setup(broker);
    t.sub.want(true);
    await flush();
    t.sub.want(false);
    t.clock.advanceBy(10_000);
    t.sub.want(true);
    t.clock.advanceBy(60_000);
    await flush();
    expect(state.subscribes).toBe(1);
    expect(state.unsubscribes).toBe(0);
  });

  it('retries while the connection is missing or refuses', async () => {
    const { state, broker } = fakeBroker();
    const t = setup(undefined);
    t.sub.want(true);
    t.setBroker(broker);
    state.failNext = true;
    t.clock.advanceBy(2_000);
    await flush();
    expect(state.subscribes).toBe(1);
    expect(t.sub.subscribed).toBe(false);
    t.clock.advanceBy(2_000);
    await flush();
    expect(t.sub.subscribed).toBe(true);
  });

  it('undoes a subscription granted after close', async () => {
    const { state, broker } = fakeBroker();
    state.hold = true;
    const t = setup(broker);
    t.sub.want(true);
    await t.sub.close();
    state.pending[0]!();
    await flush();
    expect(state.unsubscribes).toBe(1);
    expect(t.sub.subscribed).toBe(false);
  });
});
