// The worker-backed renderer: a real thread renders a PNG; with a fake thread, idle shutdown, a dying
// thread failing its jobs, and close.

import { systemClock } from '@servo-edge/common/clock';
import { ManualClock } from '@servo-edge/common/testing';
import type { WorkerPort } from '@servo-edge/common/worker';
import { decodeImage } from '@servo-edge/vision/image';
import { describe, expect, it } from 'vitest';
import { encodeGrayPng } from './thumbnails-render.js';
import { createWorkerRenderer } from './thumbnails-renderer.js';

function fakePort() {
  const listeners: Record<string, ((value: never) => void)[]> = {};
  const port = {
    posted: [] as { id: number }[],
    terminated: false,
    postMessage(message: unknown) {
      port.posted.push(message as { id: number });
    },
    on(event: string, listener: (value: never) => void) {
      listeners[event] = [...(listeners[event] ?? []), listener];
      return port;
    },
    async terminate() {
      port.terminated = true;
      return 0;
    },
    unref() {},
    emit(event: string, value: unknown) {
      for (const l of listeners[event] ?? []) l(value as never);
    },
  };
  return port;
}

const job = () => ({
  format: 'gray8' as const,
  image: new Uint8Array(4),
  widthPx: 2,
  heightPx: 2,
  thumbWidthPx: 1,
});

describe('worker renderer', () => {
  it('renders on a real worker thread', async () => {
    const renderer = createWorkerRenderer({ clock: systemClock, idleMs: 60_000 });
    const data = new Uint8Array(64 * 48).map((_, i) => i % 251);
    const png = await renderer.render({
      format: 'png',
      image: encodeGrayPng({ widthPx: 64, heightPx: 48, data }),
      thumbWidthPx: 16,
    });
    const limits = { maxImageWidthPx: 100, maxImageHeightPx: 100 };
    expect(decodeImage('png', png, {}, limits)).toMatchObject({ widthPx: 16, heightPx: 12 });
    await renderer.close();
    await expect(renderer.render(job())).rejects.toThrow('closed');
  }, 20_000);

  it('starts the thread on demand and ends it after the idle time', async () => {
    const clock = new ManualClock();
    const ports: ReturnType<typeof fakePort>[] = [];
    const spawn = () => {
      const p = fakePort();
      ports.push(p);
      return p as unknown as WorkerPort;
    };
    const renderer = createWorkerRenderer({ clock, idleMs: 1000, spawn });
    expect(ports).toHaveLength(0);
    const done = renderer.render(job());
    expect(ports).toHaveLength(1);
    ports[0]!.emit('message', { id: ports[0]!.posted[0]!.id, ok: true, png: Uint8Array.of(1) });
    await expect(done).resolves.toEqual(Uint8Array.of(1));
    clock.advanceBy(999);
    expect(ports[0]!.terminated).toBe(false);
    clock.advanceBy(1);
    expect(ports[0]!.terminated).toBe(true);
    const late = renderer.render(job());
    expect(ports).toHaveLength(2);
    await renderer.close();
    await expect(late).rejects.toThrow('closed');
    expect(ports[1]!.terminated).toBe(true);
  });

  it('fails the jobs of a thread that dies, and starts a new one for the next', async () => {
    const clock = new ManualClock();
    const ports: ReturnType<typeof fakePort>[] = [];
    const spawn = () => {
      const p = fakePort();
      ports.push(p);
      return p as unknown as WorkerPort;
    };
    const renderer = createWorkerRenderer({ clock, idleMs: 1000, spawn });
    const a = renderer.render(job());
    const b = renderer.render(job());
    ports[0]!.emit('message', { id: ports[0]!.posted[1]!.id, ok: false, error: 'IMAGE_DECODE_FAILED' });
    await expect(b).rejects.toThrow('IMAGE_DECODE_FAILED');
    ports[0]!.emit('exit', 1);
    await expect(a).rejects.toThrow('exited');
    void renderer.render(job()).catch(() => {});
    expect(ports).toHaveLength(2);
    await renderer.close();
  });
});
