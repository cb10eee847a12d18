// Randomised frames (domain randomisation): a label on a product box on a belt, under drawn light and optics.
//
// As a test oracle it imports no vision code (STYLE.md lesson 16): it draws the world, renders it,
// and writes down what it drew. Nothing here knows how vision finds a label or reads a code.

import { placeLabel } from './compose-frame.js';
import {
  type ConditionRanges,
  draw,
  drawFormat,
  type FrameFormat,
  SPLITS,
  type SplitName,
} from './conditions.js';
import { defectApplies, EXPECTED_REASONS, encodedData } from './generate-label.js';
import { PRODUCTS } from './gs1-data.js';
import { printLabel, smudge, tear } from './label-bitmap.js';
import { createPrng, type Prng } from './prng.js';
import { renderSymbol } from './render-symbol.js';
import {
  addGaussianNoise,
  createScene,
  defocus,
  fillRotatedRect,
  illuminate,
  keystone,
  motionBlurX,
  paintBelt,
  quantise,
  resampleByArea,
} from './scene-effects.js';
import {
  type GeneratedLabel,
  LABEL_DEFECTS,
  LABEL_SYMBOLOGIES,
  type LabelDefect,
  type LabelRecipe,
  type LabelSymbology,
  type LabelTruth,
} from './types.js';

export interface RandomisedLabelSpec {
  symbology: LabelSymbology;
  defect: LabelDefect;
  seed: number;
  conditions: ConditionRanges;
  id?: string;
  frameWidthPx?: number;
  frameHeightPx?: number;
}

/** The values drawn for one frame: what the world and the camera were like. */
export interface SceneConditions {
  beltGray: number;
  productGray: number;
  /** The product box is brighter than the belt. */
  productAboveBelt: boolean;
  paperGray: number;
  inkGray: number;
  modulePx: number;
  labelWidthPx: number;
  labelHeightPx: number;
  exposureGain: number;
  lightingGradient: number;
  vignetting: number;
  defocusSigmaPx: number;
  motionBlurPx: number;
  sensorNoiseSigma: number;
  perspective: { px: number; py: number };
  format: FrameFormat;
  /** Set when `format` is `jpeg`. */
  jpegQuality?: number;
}

export interface RandomisedLabel extends GeneratedLabel {
  /** How the camera sends this frame (encode with `encodeFrameImage`). */
  format: FrameFormat;
  jpegQuality?: number;
  scene: SceneConditions;
}

/** Quiet zone a scanner needs beside a code, in modules: GS1 GenSpecs 5.4.4.4 (EAN-13 11X, GS1-128 10X, DataMatrix 1X). */
const QUIET_ZONE_MODULES: Record<LabelSymbology, number> = {
  'ean-13': 11,
  'gs1-128': 10,
  'gs1-datamatrix': 2,
};

/** Paper at least this much brighter than the box, or no camera could find the label's edge. */
const MIN_PAPER_OVER_PRODUCT = 25;
/** The box differs from the belt by at least this much (a box the belt's colour is its own problem). */
const MIN_PRODUCT_BELT_STEP = 12;

export async function generateRandomisedLabel(spec: RandomisedLabelSpec): Promise<RandomisedLabel> {
  if (!defectApplies(spec.symbology, spec.defect)) {
    throw new RangeError(`defect ${spec.defect} does not apply to ${spec.symbology}`);
  }
  const c = spec.conditions;
  const prng = createPrng(spec.seed);
  const frameWidthPx = spec.frameWidthPx ?? 1280;
  const frameHeightPx = spec.frameHeightPx ?? 960;
  const product = prng.pick(PRODUCTS);

  // 1. The code, at its drawn module size.
  const modulePx = draw(prng, spec.symbology === 'gs1-datamatrix' ? c.matrixModulePx : c.linearModulePx);
  const encoded = encodedData(spec, product, prng);
  const symbol1x = await renderSymbol(
    spec.symbology,
    encoded.humanReadable,
    spec.defect === 'bad-check-digit',
    1,
  );
  const symbol = resampleByArea(symbol1x, modulePx);

  // 2. The label: the code, its quiet zone and a drawn margin; never square, so its rotation shows.
  const quietPx = QUIET_ZONE_MODULES[spec.symbology] * modulePx;
  let labelWidthPx = Math.round(symbol.widthPx + 2 * (quietPx + draw(prng, c.labelMarginPx)));
  let labelHeightPx = Math.round(symbol.heightPx + 2 * (2 * modulePx + draw(prng, c.labelMarginPx)));
  const aspect = prng.range(1.25, 1.8);
  if (labelWidthPx < aspect * labelHeightPx) labelWidthPx = Math.round(aspect * labelHeightPx);
  labelWidthPx = Math.min(labelWidthPx, Math.round(frameWidthPx * 0.8));
  labelHeightPx = Math.min(labelHeightPx, Math.round(labelWidthPx / 1.2));

  const paperGray = draw(prng, c.paperGray);
  const inkGray =
    spec.defect === 'low-contrast' ? paperGray * (1 - draw(prng, c.lowContrastPcs)) : draw(prng, c.inkGray);
  const freeXPx = Math.max(0, labelWidthPx - symbol.widthPx - 2 * quietPx);
  const freeYPx = Math.max(0, labelHeightPx - symbol.heightPx - 4 * modulePx);
  const codeOffsetXPx =
    spec.defect === 'partial'
      ? prng.sign() * ((labelWidthPx - symbol.widthPx) / 2 + symbol.widthPx * prng.range(0.4, 0.55))
      : (draw(prng, c.codeOffsetShare) * freeXPx) / 2;
  const codeOffsetYPx = (draw(prng, c.codeOffsetShare) * freeYPx) / 2;
  const { label, codeBox } = printLabel(labelWidthPx, labelHeightPx, symbol, {
    paperGray,
    inkGray,
    codeOffsetXPx,
    codeOffsetYPx,
  });
  if (spec.defect === 'smudged') smudge(label, codeBox, prng);
  if (spec.defect === 'torn') tear(label, codeBox, prng);

  // 3. The recipe: where the label should be, and how far it may stray.
  const positionTolerancePx = Math.round(draw(prng, c.positionTolerancePx));
  const skewToleranceDeg = Math.round(draw(prng, c.skewToleranceDeg) * 10) / 10;
  const regionCenterXPx = frameWidthPx / 2 + prng.range(-60, 60);
  const regionCenterYPx = frameHeightPx / 2 + prng.range(-40, 40);
  const recipe: LabelRecipe = {
    gtin: product.gtin,
    ...(spec.symbology === 'ean-13' ? {} : { lot: product.lot, minExpiry: product.minExpiry }),
    symbology: spec.symbology,
    labelRegion: {
      xPx: Math.round(regionCenterXPx - labelWidthPx / 2),
      yPx: Math.round(regionCenterYPx - labelHeightPx / 2),
      widthPx: labelWidthPx,
      heightPx: labelHeightPx,
      positionTolerancePx,
      skewToleranceDeg,
      minPrintContrast: 0.5,
    },
  };
  const regionCx = recipe.labelRegion.xPx + labelWidthPx / 2;
  const regionCy = recipe.labelRegion.yPx + labelHeightPx / 2;

  // 4. Where the label lands.
  const placement = placeOnProduct(spec.defect, prng, c, {
    regionCx,
    regionCy,
    positionTolerancePx,
    skewToleranceDeg,
    labelWidthPx,
    labelHeightPx,
    frameWidthPx,
    frameHeightPx,
  });

  // 5. The world: belt, product box (brighter or darker than the belt), clutter printed on the box.
  const beltGray = draw(prng, c.beltGray);
  const { productGray, productAboveBelt } = drawProductGray(prng, c, beltGray, paperGray);
  const scene = createScene(frameWidthPx, frameHeightPx);
  paintBelt(
    scene,
    {
      gray: beltGray,
      ribAmplitude: draw(prng, c.beltRibAmplitude),
      ribPeriodPx: draw(prng, c.beltRibPeriodPx),
      blotchAmplitude: draw(prng, c.beltBlotchAmplitude),
    },
    prng,
  );
  const boxWidthPx = labelWidthPx * prng.range(1.3, 2) + 60;
  const boxHeightPx = labelHeightPx * prng.range(1.3, 2) + 60;
  const box = {
    centerXPx: regionCx + prng.range(-1, 1) * Math.max(0, (boxWidthPx - labelWidthPx) / 2 - 30),
    centerYPx: regionCy + prng.range(-1, 1) * Math.max(0, (boxHeightPx - labelHeightPx) / 2 - 30),
    widthPx: boxWidthPx,
    heightPx: boxHeightPx,
    angleDeg: prng.range(-3, 3),
  };
  fillRotatedRect(scene, box, productGray, prng, prng.range(0, 8));
  const clutter = Math.round(draw(prng, c.productClutter));
  for (let i = 0; i < clutter; i++) {
    fillRotatedRect(
      scene,
      {
        centerXPx: box.centerXPx + prng.range(-0.45, 0.45) * boxWidthPx,
        centerYPx: box.centerYPx + prng.range(-0.45, 0.45) * boxHeightPx,
        widthPx: prng.range(30, 200),
        heightPx: prng.range(5, 22),
        angleDeg: box.angleDeg,
      },
      productGray * prng.range(0.3, 0.7),
    );
  }
  if (spec.defect !== 'missing') placeLabel(scene, label, placement);

  // 6. The camera: light, keystone, lens, motion, sensor.
  const perspective = {
    px: prng.sign() * draw(prng, c.perspective),
    py: prng.sign() * draw(prng, c.perspective),
  };
  const light = {
    gain: draw(prng, c.exposureGain),
    gradient: draw(prng, c.lightingGradient),
    gradientAngleDeg: prng.range(0, 360),
    vignetting: draw(prng, c.vignetting),
  };
  illuminate(scene, light);
  const { warped, mapPoint } = keystone(scene, perspective.px, perspective.py);
  const defocusSigmaPx = draw(prng, c.defocusSigmaModules) * modulePx;
  const motionBlurPx = draw(prng, c.motionBlurModules) * modulePx;
  const sensorNoiseSigma = draw(prng, c.sensorNoiseSigma);
  defocus(warped, defocusSigmaPx);
  motionBlurX(warped, motionBlurPx);
  addGaussianNoise(warped, sensorNoiseSigma, prng);
  const image = quantise(warped);
  const format = drawFormat(prng, c.formatShares);
  const jpegQuality = format === 'jpeg' ? Math.round(draw(prng, c.jpegQuality)) : undefined;

  const truthBase = {
    id: spec.id ?? `${spec.symbology}-${spec.defect}-${spec.seed}`,
    seed: spec.seed,
    symbology: spec.symbology,
    defect: spec.defect,
    expectedVerdict: spec.defect === 'none' ? ('pass' as const) : ('reject' as const),
    expectedReasons: [...EXPECTED_REASONS[spec.defect]],
  };
  const truth: LabelTruth =
    spec.defect === 'missing'
      ? truthBase
      : {
          ...truthBase,
          encoded,
          placement: onCamera(placement, labelWidthPx, mapPoint),
          printContrast: Math.round(((paperGray - inkGray) / paperGray) * 1000) / 1000,
        };
  return {
    image,
    truth,
    recipe,
    format,
    ...(jpegQuality === undefined ? {} : { jpegQuality }),
    scene: {
      beltGray,
      productGray,
      productAboveBelt,
      paperGray,
      inkGray,
      modulePx,
      labelWidthPx,
      labelHeightPx,
      exposureGain: light.gain,
      lightingGradient: light.gradient,
      vignetting: light.vignetting,
      defocusSigmaPx,
      motionBlurPx,
      sensorNoiseSigma,
      perspective,
      format,
      ...(jpegQuality === undefined ? {} : { jpegQuality }),
    },
  };
}

interface PlacementFrame {
  regionCx: number;
  regionCy: number;
  positionTolerancePx: number;
  skewToleranceDeg: number;
  labelWidthPx: number;
  labelHeightPx: number;
  frameWidthPx: number;
  frameHeightPx: number;
}

function placeOnProduct(
  defect: LabelDefect,
  prng: Prng,
  c: ConditionRanges,
  f: PlacementFrame,
): { centerXPx: number; centerYPx: number; angleDeg: number } {
  const direction = prng.range(0, 2 * Math.PI);
  let offsetPx = draw(prng, c.goodOffsetShare) * f.positionTolerancePx;
  let angleDeg = prng.sign() * draw(prng, c.goodSkewShare) * f.skewToleranceDeg;
  if (defect === 'shifted') {
    // Keep the label's centre on the frame with room for half of it: a camera that sees no label
    // at all is the `missing` class.
    const roomX = f.frameWidthPx / 2 - f.labelWidthPx / 4 - Math.abs(f.regionCx - f.frameWidthPx / 2);
    const roomY = f.frameHeightPx / 2 - f.labelHeightPx / 4 - Math.abs(f.regionCy - f.frameHeightPx / 2);
    const maxOffset = Math.max(
      1.3 * f.positionTolerancePx,
      Math.min(
        roomX / Math.max(1e-6, Math.abs(Math.cos(direction))),
        roomY / Math.max(1e-6, Math.abs(Math.sin(direction))),
      ),
    );
    offsetPx = Math.min(draw(prng, c.shiftedOffsetShare) * f.positionTolerancePx, maxOffset);
  }
  if (defect === 'rotated') {
    angleDeg =
      prng.next() < 0.2
        ? 180 + prng.sign() * draw(prng, c.goodSkewShare) * f.skewToleranceDeg
        : prng.sign() * Math.min(60, draw(prng, c.rotatedSkewShare) * f.skewToleranceDeg);
  }
  return {
    centerXPx: f.regionCx + offsetPx * Math.cos(direction),
    centerYPx: f.regionCy + offsetPx * Math.sin(direction),
    angleDeg,
  };
}

function drawProductGray(
  prng: Prng,
  c: ConditionRanges,
  beltGray: number,
  paperGray: number,
): { productGray: number; productAboveBelt: boolean } {
  const top = Math.min(c.productGray.max, paperGray - MIN_PAPER_OVER_PRODUCT);
  const above = { min: Math.max(c.productGray.min, beltGray + MIN_PRODUCT_BELT_STEP), max: top };
  const below = { min: c.productGray.min, max: Math.min(top, beltGray - MIN_PRODUCT_BELT_STEP) };
  let productAboveBelt = prng.next() < 0.5;
  if (productAboveBelt && above.max <= above.min) productAboveBelt = false;
  if (!productAboveBelt && below.max <= below.min) productAboveBelt = true;
  const range = productAboveBelt ? above : below;
  // Both empty (a belt as bright as paper): the product takes the range's floor.
  const productGray = range.max > range.min ? draw(prng, range) : c.productGray.min;
  return { productGray, productAboveBelt };
}

/** The label's centre and rotation as the camera sees them, after the keystone. */
function onCamera(
  placement: { centerXPx: number; centerYPx: number; angleDeg: number },
  labelWidthPx: number,
  mapPoint: (xPx: number, yPx: number) => { xPx: number; yPx: number },
): { centerXPx: number; centerYPx: number; angleDeg: number } {
  const centre = mapPoint(placement.centerXPx, placement.centerYPx);
  const a = (placement.angleDeg * Math.PI) / 180;
  const half = labelWidthPx / 2;
  const right = mapPoint(placement.centerXPx + half * Math.cos(a), placement.centerYPx + half * Math.sin(a));
  const left = mapPoint(placement.centerXPx - half * Math.cos(a), placement.centerYPx - half * Math.sin(a));
  let angleDeg = (Math.atan2(right.yPx - left.yPx, right.xPx - left.xPx) * 180) / Math.PI;
  // Keep the turn the label was given (an upside-down label stays near 180).
  while (angleDeg - placement.angleDeg > 180) angleDeg -= 360;
  while (angleDeg - placement.angleDeg < -180) angleDeg += 360;
  return { centerXPx: centre.xPx, centerYPx: centre.yPx, angleDeg };
}

export interface RandomisedSetOptions {
  split: SplitName;
  count: number;
  /** Defaults to the split's own seed. */
  seed?: number;
  /** Share of good labels, 0..1 (default 0.5). */
  goodShare?: number;
  symbologies?: readonly LabelSymbology[];
}

/**
 * Specs of a randomised set (cheap; render each with `generateRandomisedLabel`). Symbologies
 * rotate frame by frame and defect classes cycle per symbology, as in `labelSetSpecs`.
 */
export function randomisedSetSpecs(options: RandomisedSetOptions): RandomisedLabelSpec[] {
  const split = SPLITS[options.split];
  const seed = options.seed ?? split.seed;
  const symbologies = options.symbologies ?? LABEL_SYMBOLOGIES;
  const goodShare = options.goodShare ?? 0.5;
  const prng = createPrng(seed);
  const cursor = new Map<LabelSymbology, number>();
  const specs: RandomisedLabelSpec[] = [];
  for (let i = 0; i < options.count; i++) {
    const symbology = symbologies[i % symbologies.length]!;
    let defect: LabelDefect = 'none';
    if (prng.next() >= goodShare) {
      const defects = LABEL_DEFECTS.filter((d) => d !== 'none' && defectApplies(symbology, d));
      const at = cursor.get(symbology) ?? 0;
      defect = defects[at % defects.length]!;
      cursor.set(symbology, at + 1);
    }
    specs.push({
      symbology,
      defect,
      seed: (seed * 1_000_003 + i * 7919) >>> 0,
      conditions: split.conditions,
      id: `${options.split}-${String(i).padStart(4, '0')}-${symbology}-${defect}`,
    });
  }
  return specs;
}
