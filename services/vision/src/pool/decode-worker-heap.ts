// The decode workers' V8 heap: a larger initial old generation, set before the first worker starts.
//
// A frame leaves about 1 MB of short-lived JavaScript objects and 1-5 MB of pixel buffers (a JPEG
// frame: libjpeg-turbo's RGB output, then its luma). Under V8's default sizing the old generation
// starts small, its allocation limit sits a few MB above the live heap (about 20 MB, most of it
// the two decoders' wasm modules and code), and a full mark-compact followed every 5-15 frames,
// its concurrent marking on helper threads adding to the frame's CPU time. With the old
// generation's initial limit at 128 MB, 4 mark-compacts ran over 1000 frames instead of about 200,
// and CPU p95 per frame fell from 32-40 to 11-17 ms for gray8 and from 59-85 to 24-31 ms for JPEG
// (development split, 500 frames, three runs each, 2-core machine). 64 MB halved the collections
// and left the tail. Scavenges still collect the short-lived garbage; what the larger limit costs
// is up to that much more resident memory per worker before the old generation is first collected.
//
// V8 reads its heap flags when an isolate is created (Heap::ConfigureHeap), so a flag set now
// sizes every worker started afterwards and leaves the running main isolate as it is; there is no
// per-Worker `resourceLimits` field for the initial size.

import { setFlagsFromString } from 'node:v8';

/** The default; configurable as `inspection.workerHeapMb`. */
export const DECODE_WORKER_INITIAL_OLD_SPACE_MB = 128;

let configuredMb: number | undefined;

/**
 * Sets the initial old generation, MB, of every worker started from now on (in this process: the
 * flag is V8's, process-wide). Setting the same size again does nothing.
 */
export function configureDecodeWorkerHeap(initialOldSpaceMb = DECODE_WORKER_INITIAL_OLD_SPACE_MB): void {
  if (!Number.isInteger(initialOldSpaceMb) || initialOldSpaceMb < 1)
    throw new RangeError(`initial old space must be a positive whole number of MB, not ${initialOldSpaceMb}`);
  if (configuredMb === initialOldSpaceMb) return;
  configuredMb = initialOldSpaceMb;
  setFlagsFromString(`--initial-old-space-size=${initialOldSpaceMb}`);
}
