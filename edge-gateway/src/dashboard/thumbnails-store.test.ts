// The thumbnail store with a scripted renderer: frames bounded by count and bytes, render on demand
// once, a bound on renders at once, unreadable frames remembered, raw frames released.

import { encodeFrame } from '@servo-edge/common/mqtt';
import { describe, expect, it } from 'vitest';
import type { ThumbnailJob } from './thumbnails-render.js';
import type { ThumbnailRenderer } from './thumbnails-renderer.js';
import { ThumbnailStore, type ThumbnailStoreOptions } from './thumbnails-store.js';

/** Renders to `png:<first image byte>` when released; `fail` rejects instead. */
function scriptedRenderer() {
  const jobs: { job: ThumbnailJob; resolve: (png: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  const renderer: ThumbnailRenderer = {
    render: (job) => new Promise((resolve, reject) => jobs.push({ job, resolve, reject })),
    close: async () => {},
  };
  return {
    renderer,
    jobs,
    finishAll() {
      for (const j of jobs.splice(0)) j.resolve(Buffer.from(`png:${j.job.image[0]}`));
    },
  };
}

function frame(productId: string, bytes: number, fill = 1): Uint8Array {
  return encodeFrame(
    { productId, capturedAtMs: 1, format: 'gray8', widthPx: bytes, heightPx: 1 },
    new Uint8Array(bytes).fill(fill),
  );
}

function store(renderer: ThumbnailRenderer, overrides: Partial<ThumbnailStoreOptions> = {}) {
  return new ThumbnailStore({
    renderer,
    maxFrames: 3,
    maxFrameBytes: 1000,
    maxThumbnails: 2,
    maxPendingRenders: 2,
    thumbWidthPx: 8,
    ...overrides,
  });
}

describe('ThumbnailStore', () => {
  it('renders a kept frame once, then answers from the cache', async () => {
    const r = scriptedRenderer();
    const s = store(r.renderer);
    s.offer(frame('p-1', 10, 7));
    const first = s.get('p-1');
    const again = s.get('p-1');
    expect(r.jobs).toHaveLength(1);
    expect(r.jobs[0]!.job).toMatchObject({ format: 'gray8', widthPx: 10, heightPx: 1, thumbWidthPx: 8 });
    r.finishAll();
    expect(await first).toEqual({ ok: true, png: Buffer.from('png:7') });
    expect(await again).toEqual(await first);
    expect(await s.get('p-1')).toEqual(await first);
    expect(r.jobs).toHaveLength(0);
    // The raw frame left when its render started.
    expect(s.stats()).toMatchObject({ frames: 0, frameBytes: 0, thumbnails: 1, pending: 0 });
  });

  it('keeps the newest frames within the count and the byte bound', async () => {
    const r = scriptedRenderer();
    const s = store(r.renderer);
    for (const id of ['a', 'b', 'c', 'd']) s.offer(frame(id, 100));
    expect(s.stats()).toMatchObject({ frames: 3, frameBytes: 300 });
    expect(await s.get('a')).toEqual({ ok: false, reason: 'not-found' });
    s.offer(frame('big', 901));
    expect(s.stats()).toMatchObject({ frames: 1, frameBytes: 901 });
    s.offer(frame('huge', 1001));
    expect(s.stats()).toMatchObject({ frames: 1, framesRefused: 1 });
  });

  it('copies the image out of the payload', () => {
    const r = scriptedRenderer();
    const s = store(r.renderer);
    const payload = frame('p-1', 10, 5);
    s.offer(payload);
    payload.fill(0);
    void s.get('p-1');
    expect(r.jobs[0]!.job.image[0]).toBe(5);
    expect(r.jobs[0]!.job.image.byteOffset).toBe(0);
    expect(r.jobs[0]!.job.image.buffer.byteLength).toBe(10);
  });

  it('answers busy beyond maxPendingRenders', async () => {
    const r = scriptedRenderer();
    const s = store(r.renderer);
    for (const id of ['a', 'b', 'c']) s.offer(frame(id, 10));
    void s.get('a');
    void s.get('b');
    expect(await s.get('c')).toEqual({ ok: false, reason: 'busy' });
    r.finishAll();
  });

  it('remembers a frame it could not render', async () => {
    const r = scriptedRenderer();
    const s = store(r.renderer);
    s.offer(frame('bad', 10));
    const result = s.get('bad');
    r.jobs.splice(0)[0]!.reject(new Error('IMAGE_DECODE_FAILED'));
    expect(await result).toEqual({ ok: false, reason: 'unreadable' });
    expect(await s.get('bad')).toEqual({ ok: false, reason: 'unreadable' });
    expect(s.stats().renderFailures).toBe(1);
  });

  it('keeps at most maxThumbnails, oldest out first', async () => {
    const r = scriptedRenderer();
    const s = store(r.renderer, { maxPendingRenders: 3 });
    for (const id of ['a', 'b', 'c']) s.offer(frame(id, 10));
    const all = ['a', 'b', 'c'].map((id) => s.get(id));
    r.finishAll();
    await Promise.all(all);
    expect(s.stats().thumbnails).toBe(2);
    expect(await s.get('a')).toEqual({ ok: false, reason: 'not-found' });
  });

  it('prepares ahead only when there is a frame and room', () => {
    const r = scriptedRenderer();
    const s = store(r.renderer, { maxPendingRenders: 1 });
    s.prepare('nothing');
    s.offer(frame('a', 10));
    s.offer(frame('b', 10));
    s.prepare('a');
    s.prepare('a');
    s.prepare('b');
    expect(r.jobs.map((j) => j.job.image.byteLength)).toEqual([10]);
    r.finishAll();
  });

  it('refuses payloads that are not frames and releases raw frames on demand', () => {
    const r = scriptedRenderer();
    const s = store(r.renderer);
    s.offer(Buffer.from('not a frame'));
    s.offer(frame('a', 10));
    expect(s.stats()).toMatchObject({ frames: 1, framesRefused: 1 });
    s.releaseFrames();
    expect(s.stats()).toMatchObject({ frames: 0, frameBytes: 0 });
  });
});
