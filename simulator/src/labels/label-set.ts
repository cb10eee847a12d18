// Composes a reproducible set of label specs: mostly good labels plus every applicable defect, evenly.

import { defectApplies, type LabelSpec } from './generate-label.js';
import { createPrng } from './prng.js';
import { LABEL_DEFECTS, LABEL_SYMBOLOGIES, type LabelDefect, type LabelSymbology } from './types.js';

export interface LabelSetOptions {
  count: number;
  seed: number;
  /** Share of good labels, 0..1. Defaults to 0.5. */
  goodShare?: number;
  symbologies?: readonly LabelSymbology[];
}

/**
 * Specs only (cheap); render each with `generateLabel` so a 500-frame set never sits in memory at
 * once. Symbologies rotate frame by frame and defects cycle per symbology, so even a small set covers
 * every defect class once it has at least 2 x (number of defects) frames per symbology.
 */
export function labelSetSpecs(options: LabelSetOptions): LabelSpec[] {
  const symbologies = options.symbologies ?? LABEL_SYMBOLOGIES;
  const goodShare = options.goodShare ?? 0.5;
  const prng = createPrng(options.seed);
  const cursor = new Map<LabelSymbology, number>();
  const specs: LabelSpec[] = [];
  for (let i = 0; i < options.count; i++) {
    const symbology = symbologies[i % symbologies.length]!;
    let defect: LabelDefect = 'none';
    if (prng.next() >= goodShare) {
      const defects = LABEL_DEFECTS.filter((d) => d !== 'none' && defectApplies(symbology, d));
      const at = cursor.get(symbology) ?? 0;
      defect = defects[at % defects.length]!;
      cursor.set(symbology, at + 1);
    }
    const seed = (options.seed * 1_000_003 + i * 7919) >>> 0;
    specs.push({ symbology, defect, seed, id: `label-${String(i).padStart(4, '0')}-${symbology}-${defect}` });
  }
  return specs;
}
