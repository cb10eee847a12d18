// The labeler applies a label: its dispensing roller feeds one label length at the belt's own speed as
// the product passes the peel plate, so the label is laid on without slip (an axis synchronised to the
// belt over the label window).

import type { Station, StationCycle, StationProfile } from './station.js';

export interface LabelerConfig extends Omit<StationProfile, 'velocityUnitsPerS'> {
  positionMm: number;
  /** Label length along the product, mm of label web (the axis's unit). */
  labelLengthMm: number;
}

export function createLabeler(axis: string, config: LabelerConfig): Station {
  return {
    name: 'labeler',
    axis,
    severity: config.faultSeverity,
    positionMm: config.positionMm,
    rest: undefined,
    cycle(productAtMm, beltMmPerS): StationCycle {
      // The web runs at the belt's speed; its ramp is short beside the label (acceleration is high), and
      // the label's middle meets the product's centre.
      const request = {
        distance: config.labelLengthMm,
        velocity: beltMmPerS,
        acceleration: config.accelerationUnitsPerS2,
      };
      return { steps: [{ request, atMm: productAtMm - config.labelLengthMm / 2 }] };
    },
  };
}
