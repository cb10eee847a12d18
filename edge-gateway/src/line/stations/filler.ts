// The filler doses: its piston moves by the recipe's fill volume (volume × travel per ml, in the axis's
// units) while the product is under the nozzle, then draws back to refill.

import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type { Station, StationCycle, StationProfile } from './station.js';

export interface FillerConfig extends StationProfile {
  positionMm: number;
  /** The recipe's fill volume, ml. */
  fillVolumeMl: number;
  /** Piston travel per ml, in the axis's units (the pump's displacement). */
  unitsPerMl: number;
  /** Where the piston rests (drawn back, full), in the axis's units. */
  restPosition: number;
}

/** The dose's travel in the axis's units: what the virtual line and the move share. */
export function doseUnits(config: Pick<FillerConfig, 'fillVolumeMl' | 'unitsPerMl'>): number {
  return config.fillVolumeMl * config.unitsPerMl;
}

export function createFiller(axis: string, config: FillerConfig): Station {
  const profile = { velocity: config.velocityUnitsPerS, acceleration: config.accelerationUnitsPerS2 };
  const dose = doseUnits(config);
  const doseS = trapezoidDurationS(dose, profile.velocity, profile.acceleration);
  return {
    name: 'filler',
    axis,
    severity: config.faultSeverity,
    positionMm: config.positionMm,
    rest: { position: config.restPosition, ...profile },
    cycle(productAtMm, beltMmPerS): StationCycle {
      // The dose is centred on the product's passage; the refill follows on the controller's queue.
      return {
        steps: [
          {
            request: { position: config.restPosition + dose, ...profile },
            atMm: productAtMm - (beltMmPerS * doseS) / 2,
          },
          { request: { position: config.restPosition, ...profile } },
        ],
      };
    },
  };
}
