// The thumbnail worker thread: renders one job per message, so decoding never blocks the gateway's loop.

import { parentPort } from 'node:worker_threads';
import { renderThumbnail, type ThumbnailJob } from './thumbnails-render.js';

/** Request: a job with an id. Reply: the same id with the PNG, or the error's message. */
export interface WorkerRequest extends ThumbnailJob {
  id: number;
}
export type WorkerReply =
  | { id: number; ok: true; png: Uint8Array }
  | { id: number; ok: false; error: string };

parentPort?.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, ok: true, png: renderThumbnail(request) };
  } catch (error) {
    reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const transfer = reply.ok ? [reply.png.buffer as ArrayBuffer] : [];
  parentPort?.postMessage(reply, transfer);
});
