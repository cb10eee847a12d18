// Public API of @servo-edge/vision: the service, its config, the frame format and the inspection core.

export { type Clock, createManualClock, type ManualClock, systemClock } from './clock.js';
export {
  CONFIG_KEY_PATHS,
  CONFIG_SCHEMA,
  type ConfigEnvironment,
  loadConfig,
  parseConfigText,
  resolveConfig,
  type VisionConfig,
} from './config.js';
export type { BarcodeDecoder, DecodedSymbol } from './decode/barcode-decoder.js';
export { createZxingJsDecoder } from './decode/zxing-js-decoder.js';
export { createZxingWasmDecoder, zxingWasmPath } from './decode/zxing-wasm-decoder.js';
export {
  ERROR_CODES,
  type ErrorCode,
  isVisionError,
  REASON_CODES,
  type ReasonCode,
  VisionError,
} from './errors.js';
export {
  decodeFrame,
  encodeFrame,
  type Frame,
  type FrameHeader,
  IMAGE_FORMATS,
  type ImageFormat,
} from './frame/frame-codec.js';
export { parseElementString } from './gs1/element-string.js';
export { decodeImage, type ImageLimits } from './image/decode-image.js';
export type { GrayImage } from './image/gray-image.js';
export { type Findings, type InspectionPlan, inspectImage, planFromRecipe } from './inspect/inspect-image.js';
export { type DecodedData, type Judgement, judge, type LabelReport } from './inspect/verdict.js';
export type { VerdictMessage } from './inspect/verdict-message.js';
export { createJsonLogger, createMemoryLogger, type Logger, type LogLevel } from './log.js';
export { STATUS_OFFLINE, STATUS_ONLINE, type VisionTopics, visionTopics } from './mqtt/topics.js';
export { RECIPE_SCHEMA, type Recipe, SYMBOLOGIES, type Symbology, validateRecipe } from './recipe.js';
export {
  type ConnectFn,
  createVisionService,
  type VisionService,
  type VisionServiceOptions,
  type VisionServiceStats,
} from './service.js';
