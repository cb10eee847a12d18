// The MQTT contract between the gateway, the vision service, the camera station and the simulator: every
// message crossing a process is declared once here, so a change to one breaks the compiler on both sides.
// TypeBox and the common config walker only: no MQTT client, so any process may load it.

export {
  decodeFrame,
  encodeFrame,
  FRAME_ERRORS,
  FRAME_FIXED_BYTES,
  FRAME_MAGIC,
  FRAME_MAX_HEADER_BYTES,
  type Frame,
  type FrameDecodeResult,
  type FrameErrorCode,
  type FrameHeader,
  FrameHeaderSchema,
  IMAGE_FORMATS,
  type ImageFormat,
} from './frame-envelope.js';
export { gs1CheckDigit, hasValidCheckDigit } from './gtin.js';
export type { MessageRefusal } from './json-message.js';
export {
  LineStateStationFields,
  STATION_FAULT_SEVERITIES,
  STATION_STATES,
  type StationFault,
  StationFaultSchema,
  type StationReport,
  StationReportSchema,
} from './line-state.js';
export { isProductId, PRODUCT_ID_PATTERN, ProductIdSchema } from './product-id.js';
export { orderReasons, REASON_CODES, REASON_ORDER, type ReasonCode, type ReasonInfo } from './reasons.js';
export {
  checkRecipe,
  checkRecipePayload,
  MAX_RECIPE_BYTES,
  type Recipe,
  RecipeSchema,
  SYMBOLOGIES,
  type Symbology,
  validateRecipe,
} from './recipe.js';
export {
  CHECKED_STATIONS,
  type CheckedStation,
  MAX_STATION_CHECK_BYTES,
  parseStationCheck,
  type StationCheck,
  StationCheckSchema,
} from './station-check.js';
export {
  STATUS_OFFLINE,
  STATUS_ONLINE,
  sharedSubscription,
  type TopicTree,
  topicLevel,
  topicTree,
} from './topics.js';
export {
  type CameraTrigger,
  CameraTriggerSchema,
  MAX_TRIGGER_BYTES,
  parseCameraTrigger,
} from './trigger.js';
export {
  checkVerdictMessage,
  type DecodedData,
  DecodedDataSchema,
  type LabelReport,
  LabelReportSchema,
  parseVerdictMessage,
  type VerdictMessage,
  VerdictMessageSchema,
  type VerdictParse,
} from './verdict.js';
