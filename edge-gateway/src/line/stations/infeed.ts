// The infeed spaces products: its axis (a timing screw or star wheel) indexes one pocket per product,
// so products enter the belt one pitch apart. It is the line's product clock: each index places the
// product that the downstream stations then serve by its belt position.

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type { Station, StationCycle, StationProfile } from './station.js';

export interface InfeedConfig extends StationProfile {
  /** One index (one pocket), in the axis's units. */
  indexUnits: number;
}

export function createInfeed(axis: string, config: InfeedConfig): Station {
  const profile = { velocity: config.velocityUnitsPerS, acceleration: config.accelerationUnitsPerS2 };
  const indexS = trapezoidDurationS(config.indexUnits, profile.velocity, profile.acceleration);
  return {
    name: 'infeed',
    axis,
    severity: config.faultSeverity,
    positionMm: 0,
    rest: undefined,
    cycle(productAtMm, beltMmPerS): StationCycle {
      // The product leaves its pocket half-way through the index: centre that instant on its place.
      return {
        steps: [
          {
            request: { distance: config.indexUnits, ...profile },
            atMm: productAtMm - (beltMmPerS * indexS) / 2,
          },
        ],
      };
    },
  };
}
