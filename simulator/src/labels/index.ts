// Label image generator: renders labels with bwip-js onto camera frames, with ground truth per frame.

export {
  type ConditionRanges,
  DEVELOPMENT_CONDITIONS,
  type FrameFormat,
  HELD_OUT_CONDITIONS,
  type Range,
  SPLITS,
  type SplitName,
  TUNING_CONDITIONS,
} from './conditions.js';
export { encodeFrameImage, encodeJpeg, encodePgm, encodePng } from './encode-image.js';
export {
  defectApplies,
  generateLabel,
  LABEL_SIZE_PX,
  type LabelSpec,
  RECIPE_TOLERANCES,
} from './generate-label.js';
export { elementString, gs1CheckDigit, gtin14, PRODUCTS, type Product } from './gs1-data.js';
export { type LabelSetOptions, labelSetSpecs } from './label-set.js';
export {
  generateRandomisedLabel,
  type RandomisedLabel,
  type RandomisedLabelSpec,
  type RandomisedSetOptions,
  randomisedSetSpecs,
  type SceneConditions,
} from './randomised-label.js';
export {
  type EncodedData,
  type ExpectedReason,
  type GeneratedLabel,
  type GrayImage,
  LABEL_DEFECTS,
  LABEL_SYMBOLOGIES,
  type LabelDefect,
  type LabelRecipe,
  type LabelSymbology,
  type LabelTruth,
} from './types.js';
