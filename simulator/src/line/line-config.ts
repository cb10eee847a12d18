// Geometry and rates of the virtual packaging line: where each station sits along the belt, in mm.

import type { LabelDefect } from '../labels/types.js';
import { checkStationGeometry, type StationDefect, type StationGeometry } from './station-effects.js';

export interface VirtualLineConfig {
  /** The infeed places one product every this many mm of belt travel. Rate = belt speed / pitch. */
  productPitchMm: number;
  /** Product length along the belt. */
  productLengthMm: number;
  /** Distance from the infeed to the camera's trigger point. */
  cameraPositionMm: number;
  /** Centre of the reject arm's reach. */
  rejectPositionMm: number;
  /** A product whose centre is within ±rejectWindowMm/2 of rejectPositionMm is pushed off while the arm is out. */
  rejectWindowMm: number;
  /** Products past this point drop into the good bin. */
  endPositionMm: number;
  conveyorCountsPerMm: number;
  /** The reject arm pushes while its position is at or beyond this many counts. */
  rejectArmOutCounts: number;
  /** Share of products that get a label defect, 0..1. */
  defectRate: number;
  /** Defect classes to draw from (each equally likely). */
  defects: readonly LabelDefect[];
  /** Seed of the defect draw, so a run can be repeated. */
  seed: number;
  /** How often the line samples the encoders. */
  sampleIntervalMs: number;
  /**
   * With timeline readers (VirtualLineOptions.conveyorCountsAt), the line judges every this many ms of
   * simulated time since its last sample, however late the sample ran: 0.5 ms is 0.5 mm at 1 m/s.
   */
  judgeStepMs: number;
  /**
   * A stroke is detected once the reject arm's position exceeds this many counts (rest is 0); on the
   * timeline its start is then refined to the instant the arm left rest.
   */
  strokeStartCounts: number;
  /**
   * Where a stroke should find its product: this many mm before rejectPositionMm when the arm starts
   * (the belt travel during the arm's travel out). Strokes report their error against it; undefined:
   * no error, only the product's offset.
   */
  strokeLeadMm?: number;
  /**
   * The stations the line simulates (with VirtualLineOptions.readStationCounts for their axes). With an
   * infeed, products are placed by its indexes, not by belt travel.
   */
  stations?: StationGeometry;
  /**
   * Plant faults per product, each 0..1, drawn after the label defect (a product gets one defect at
   * most): the filler's supply runs dry for it, its seal fails, the label web has a gap.
   */
  stationDefectRates?: Partial<Record<StationDefect, number>>;
}

export const DEFAULT_LINE_CONFIG: VirtualLineConfig = {
  productPitchMm: 100,
  productLengthMm: 60,
  cameraPositionMm: 300,
  rejectPositionMm: 800,
  rejectWindowMm: 50,
  endPositionMm: 1100,
  conveyorCountsPerMm: 100,
  rejectArmOutCounts: 4000,
  defectRate: 0.05,
  defects: [
    'missing',
    'wrong-gtin',
    'wrong-lot',
    'expired',
    'low-contrast',
    'smudged',
    'rotated',
    'shifted',
    'torn',
  ],
  seed: 1,
  sampleIntervalMs: 2,
  judgeStepMs: 0.5,
  strokeStartCounts: 1,
};

/** Refuses geometry that cannot work: stations out of order, a window that would catch two products. */
export function checkLineConfig(config: VirtualLineConfig): string[] {
  const problems: string[] = [];
  const positive = [
    'productPitchMm',
    'productLengthMm',
    'rejectWindowMm',
    'conveyorCountsPerMm',
    'sampleIntervalMs',
    'judgeStepMs',
  ] as const;
  for (const key of positive) if (!(config[key] > 0)) problems.push(`${key} must be > 0`);
  if (!(config.cameraPositionMm > 0 && config.cameraPositionMm < config.rejectPositionMm)) {
    problems.push('cameraPositionMm must lie between the infeed and rejectPositionMm');
  }
  if (!(config.rejectPositionMm < config.endPositionMm))
    problems.push('rejectPositionMm must be before endPositionMm');
  if (config.rejectWindowMm >= config.productPitchMm) {
    problems.push(
      'rejectWindowMm must be smaller than productPitchMm, or one stroke could push two products',
    );
  }
  if (!(config.strokeStartCounts >= 0 && config.strokeStartCounts < config.rejectArmOutCounts)) {
    problems.push('strokeStartCounts must lie between rest (0) and rejectArmOutCounts');
  }
  if (!(config.defectRate >= 0 && config.defectRate <= 1)) problems.push('defectRate must be within 0..1');
  if (config.defectRate > 0 && config.defects.length === 0) problems.push('defects must not be empty');
  let stationRate = 0;
  for (const [defect, rate] of Object.entries(config.stationDefectRates ?? {})) {
    if (!(rate >= 0 && rate <= 1)) problems.push(`stationDefectRates.${defect} must be within 0..1`);
    stationRate += rate;
  }
  if (stationRate > 1) problems.push('stationDefectRates must add up to 1 at most');
  if (config.stations) problems.push(...checkStationGeometry(config.stations, config.cameraPositionMm));
  return problems;
}
