// The sealer closes: its head strokes down onto the product, dwells there (the seal needs heat and
// pressure for that long), and opens. The dwell is timed on the belt too: the opening move starts as the
// conveyor passes the position the product reaches dwellMs after the head closed.

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type { Station, StationCycle, StationProfile } from './station.js';

export interface SealerConfig extends StationProfile {
  positionMm: number;
  /** Head up, in the axis's units. */
  openPosition: number;
  /** Head on the product. */
  closedPosition: number;
  /** How long the head stays closed. */
  dwellMs: number;
}

export function createSealer(axis: string, config: SealerConfig): Station {
  const profile = { velocity: config.velocityUnitsPerS, acceleration: config.accelerationUnitsPerS2 };
  const closeS = trapezoidDurationS(
    Math.abs(config.closedPosition - config.openPosition),
    profile.velocity,
    profile.acceleration,
  );
  return {
    name: 'sealer',
    axis,
    severity: config.faultSeverity,
    positionMm: config.positionMm,
    rest: { position: config.openPosition, ...profile },
    cycle(productAtMm, beltMmPerS): StationCycle {
      // The dwell is centred on the product's passage.
      const dwellMm = (beltMmPerS * config.dwellMs) / 1000;
      const closedAtMm = productAtMm - dwellMm / 2;
      return {
        steps: [
          {
            request: { position: config.closedPosition, ...profile },
            atMm: closedAtMm - beltMmPerS * closeS,
          },
          { request: { position: config.openPosition, ...profile }, atMm: closedAtMm + dwellMm },
        ],
      };
    },
  };
}
