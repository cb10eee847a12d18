// Public API of @servo-edge/vision: the service, its config and the inspection core. The messages it
// exchanges (frame envelope, recipe, verdict, reason codes, topics) are @servo-edge/common/mqtt's.

export {
  CONFIG_KEY_PATHS,
  type ConfigEnvironment,
  loadConfig,
  resolveConfig,
  type VisionConfig,
  VisionConfigSchema,
} from './config.js';
export type { BarcodeDecoder, DecodedSymbol } from './decode/barcode-decoder.js';
export { createServiceDecoder } from './decode/service-decoder.js';
export { createZxingJsDecoder } from './decode/zxing-js-decoder.js';
export { createZxingWasmDecoder, zxingWasmPath } from './decode/zxing-wasm-decoder.js';
export { ERROR_CODES } from './error-codes.js';
export { type ErrorCode, isVisionError, VisionError } from './errors.js';
export { parseElementString } from './gs1/element-string.js';
export { decodeFrameImage } from './image/decode-frame-image.js';
export { decodeImage, type ImageLimits } from './image/decode-image.js';
export type { GrayImage } from './image/gray-image.js';
export { lumaPerPixel } from './image/gray-image.js';
export { createRgbLumaKernel } from './image/rgb-luma-simd.js';
export {
  type Findings,
  type InspectionPlan,
  type InspectOptions,
  inspectImage,
  planFromRecipe,
} from './inspect/inspect-image.js';
export { type Judgement, judge } from './inspect/verdict.js';
export { DECODE_WORKER_INITIAL_OLD_SPACE_MB } from './pool/decode-worker-heap.js';
export { createInspectionPool, type InspectionPool, type PoolOutcome } from './pool/inspection-pool.js';
export { spawnInspectWorker } from './pool/spawn-worker.js';
export {
  type ConnectFn,
  createVisionService,
  type VisionService,
  type VisionServiceOptions,
  type VisionServiceStats,
  type VisionTopics,
  visionTopics,
} from './service.js';
