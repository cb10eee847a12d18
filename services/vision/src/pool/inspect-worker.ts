// Decode worker entry: loads the decoder once, then decodes and inspects one image per request.

import { parentPort } from 'node:worker_threads';
import { createZxingWasmDecoder } from '../decode/zxing-wasm-decoder.js';
import { isVisionError } from '../errors.js';
import { decodeImage } from '../image/decode-image.js';
import { inspectImage } from '../inspect/inspect-image.js';
import type { InspectRequest, WorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('inspect-worker must run in a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);

try {
  const decoder = await createZxingWasmDecoder();
  port.on('message', async (request: InspectRequest) => {
    const startMs = performance.now();
    try {
      const image = decodeImage(
        request.format,
        request.image,
        {
          ...(request.widthPx === undefined ? {} : { widthPx: request.widthPx }),
          ...(request.heightPx === undefined ? {} : { heightPx: request.heightPx }),
        },
        request.limits,
      );
      const findings = await inspectImage(image, request.plan, decoder);
      post({ type: 'result', jobId: request.jobId, findings, decodeMs: performance.now() - startMs });
    } catch (error) {
      // Bad input is a verdict, not a crash: report it and stay alive for the next frame.
      post({
        type: 'failed',
        jobId: request.jobId,
        code: isVisionError(error) ? error.code : 'IMAGE_DECODE_FAILED',
        message: error instanceof Error ? error.message : String(error),
        decodeMs: performance.now() - startMs,
      });
    }
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-failed', message: error instanceof Error ? error.message : String(error) });
}
