// The virtual packaging line: products, camera trigger, reject arm and the bins, over simulated axes.

export { checkLineConfig, DEFAULT_LINE_CONFIG, type VirtualLineConfig } from './line-config.js';
export {
  applyStations,
  checkStationGeometry,
  type ProductWork,
  type SimulatedStation,
  STATION_DEFECTS,
  type StationDefect,
  type StationGeometry,
} from './station-effects.js';
export { type StrokeErrorStats, strokeErrorStats } from './stroke-stats.js';
export {
  createVirtualLine,
  type LineProduct,
  type LineStroke,
  type LineSummary,
  labelFrameOf,
  type ProductDefect,
  VirtualLine,
  type VirtualLineOptions,
} from './virtual-line.js';
