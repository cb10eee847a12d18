// The virtual packaging line: products, camera trigger, reject arm and the bins, over simulated axes.

export { checkLineConfig, DEFAULT_LINE_CONFIG, type VirtualLineConfig } from './line-config.js';
export {
  createVirtualLine,
  type LineProduct,
  type LineSummary,
  VirtualLine,
  type VirtualLineOptions,
} from './virtual-line.js';
