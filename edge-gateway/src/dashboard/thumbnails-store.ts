// Thumbnails of the newest inspected labels, keyed by productId. Camera frames are kept raw (bounded by
// count and bytes) and rendered only when asked for, on the worker, a bounded number at a time.

import { decodeFrame, type ImageFormat } from '@servo-edge/common/mqtt';
import type { ThumbnailRenderer } from './thumbnails-renderer.js';

export interface ThumbnailStoreOptions {
  renderer: ThumbnailRenderer;
  /** Newest raw frames kept for rendering. */
  maxFrames: number;
  /** And at most this many raw bytes in all (a demo PNG frame is ~0.5 MB). */
  maxFrameBytes: number;
  /** Rendered thumbnails kept (a few KB each). */
  maxThumbnails: number;
  /** Renders waiting for or on the worker; beyond this `get` answers `busy`. */
  maxPendingRenders: number;
  thumbWidthPx: number;
}

export type ThumbnailResult =
  | { ok: true; png: Uint8Array }
  | { ok: false; reason: 'not-found' | 'busy' | 'unreadable' };

export interface ThumbnailStoreStats {
  frames: number;
  frameBytes: number;
  thumbnails: number;
  pending: number;
  framesRefused: number;
  renderFailures: number;
}

interface RawFrame {
  format: ImageFormat;
  image: Uint8Array;
  widthPx?: number;
  heightPx?: number;
}

/** Thrown away after a failed render: asking again would fail again. */
const UNREADABLE = null;

export class ThumbnailStore {
  private readonly frames = new Map<string, RawFrame>();
  private frameBytes = 0;
  private readonly thumbnails = new Map<string, Uint8Array | typeof UNREADABLE>();
  private readonly pending = new Map<string, Promise<ThumbnailResult>>();
  private framesRefused = 0;
  private renderFailures = 0;

  constructor(private readonly opts: ThumbnailStoreOptions) {}

  /** A payload from `<prefix>/camera/+/frame`. Parses only the header; the image is copied, not decoded. */
  offer(payload: Uint8Array): void {
    const decoded = decodeFrame(payload);
    if (!decoded.ok) {
      this.framesRefused++;
      return;
    }
    const { header, image } = decoded.frame;
    if (image.byteLength > this.opts.maxFrameBytes) {
      this.framesRefused++;
      return;
    }
    this.dropFrame(header.productId);
    // Own buffer: the payload may be a view into a larger one, and the renderer moves this to the worker.
    const frame: RawFrame = { format: header.format, image: new Uint8Array(image) };
    if (header.widthPx !== undefined) frame.widthPx = header.widthPx;
    if (header.heightPx !== undefined) frame.heightPx = header.heightPx;
    this.frames.set(header.productId, frame);
    this.frameBytes += frame.image.byteLength;
    // Map iteration is insertion order: the first key is the oldest frame.
    while (this.frames.size > this.opts.maxFrames || this.frameBytes > this.opts.maxFrameBytes) {
      const oldest = this.frames.keys().next().value as string;
      this.dropFrame(oldest);
    }
  }

  /** The thumbnail, rendering it if its frame is still here. */
  get(productId: string): Promise<ThumbnailResult> {
    const done = this.thumbnails.get(productId);
    if (done !== undefined) {
      return Promise.resolve(
        done === UNREADABLE ? { ok: false, reason: 'unreadable' } : { ok: true, png: done },
      );
    }
    const running = this.pending.get(productId);
    if (running) return running;
    const frame = this.frames.get(productId);
    if (!frame) return Promise.resolve({ ok: false, reason: 'not-found' });
    if (this.pending.size >= this.opts.maxPendingRenders)
      return Promise.resolve({ ok: false, reason: 'busy' });
    // The raw frame leaves the ring now: the renderer takes its buffer, and the result is cached.
    this.dropFrame(productId);
    const job = this.opts.renderer
      .render({ ...frame, thumbWidthPx: this.opts.thumbWidthPx })
      .then(
        (png): ThumbnailResult => {
          this.remember(productId, png);
          return { ok: true, png };
        },
        (): ThumbnailResult => {
          this.renderFailures++;
          this.remember(productId, UNREADABLE);
          return { ok: false, reason: 'unreadable' };
        },
      )
      .finally(() => this.pending.delete(productId));
    this.pending.set(productId, job);
    return job;
  }

  /** Render ahead of any request (rejects: the ones an operator looks at), if there is room. */
  prepare(productId: string): void {
    if (this.thumbnails.has(productId) || this.pending.has(productId) || !this.frames.has(productId)) return;
    if (this.pending.size >= this.opts.maxPendingRenders) return;
    void this.get(productId);
  }

  /** Drops the raw frames (nobody is watching); rendered thumbnails are small and stay. */
  releaseFrames(): void {
    this.frames.clear();
    this.frameBytes = 0;
  }

  stats(): ThumbnailStoreStats {
    return {
      frames: this.frames.size,
      frameBytes: this.frameBytes,
      thumbnails: this.thumbnails.size,
      pending: this.pending.size,
      framesRefused: this.framesRefused,
      renderFailures: this.renderFailures,
    };
  }

  private remember(productId: string, png: Uint8Array | typeof UNREADABLE): void {
    this.thumbnails.set(productId, png);
    while (this.thumbnails.size > this.opts.maxThumbnails) {
      this.thumbnails.delete(this.thumbnails.keys().next().value as string);
    }
  }

  private dropFrame(productId: string): void {
    const frame = this.frames.get(productId);
    if (!frame) return;
    this.frames.delete(productId);
    this.frameBytes -= frame.image.byteLength;
  }
}
