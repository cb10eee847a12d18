// What every station of the packaging line is to the line controller: its axis, where along the belt it
// acts, how it rests, the moves of one cycle for one product (timed from the conveyor's position, like
// the reject arm), and what a fault of it does to the line (PackML: Aborting or Holding).

import {
  type StationReport as MqttStationReport,
  STATION_FAULT_SEVERITIES,
  type STATION_STATES,
} from '@servo-edge/common/mqtt';
import type { MoveRequest } from '@servo-edge/motion-api';
import type { TimedStep } from '../conveyor-timed-moves.js';

/** The stations in belt order; the camera and the reject arm are the line controller's own. */
export const STATION_NAMES = ['infeed', 'filler', 'sealer', 'labeler'] as const;
export type StationName = (typeof STATION_NAMES)[number];

/**
 * What a station fault does to the line, by the builder's risk assessment: `abort` (Aborting: an
 * immediate stop, the belt's contents forgotten; e.g. a filler that may spill) or `hold` (Holding: a
 * controlled stop, the products keep their places; Unhold resumes). PackML, ISA-TR88.00.02 §6.
 */
export const FAULT_SEVERITIES = STATION_FAULT_SEVERITIES;
export type FaultSeverity = (typeof FAULT_SEVERITIES)[number];

export type StationState = (typeof STATION_STATES)[number];

/** A station as `GET /api/v1/line` and the MQTT line state report it: the MQTT contract's shape. */
export type StationReport = MqttStationReport & {
  name: StationName;
  state: StationState;
  severity: FaultSeverity;
};

/** One product's cycle: the moves, the first at `steps[0].atMm` of the conveyor. */
export interface StationCycle {
  steps: TimedStep[];
}

export interface Station {
  readonly name: StationName;
  /** The axis it moves (the line owns it in Production). */
  readonly axis: string;
  readonly severity: FaultSeverity;
  /** Belt distance from the infeed to where the station acts on a product's centre, mm. */
  readonly positionMm: number;
  /** Moves it to rest in Resetting (after enable and home); undefined for an incremental axis. */
  readonly rest: MoveRequest | undefined;
  /**
   * The moves for the product whose centre is at positionMm when the conveyor reads `productAtMm`,
   * the belt running at `beltMmPerS`; the first step's atMm is where the cycle starts.
   */
  cycle(productAtMm: number, beltMmPerS: number): StationCycle;
}

/** Move profile fields every station's config carries. */
export interface StationProfile {
  velocityUnitsPerS: number;
  accelerationUnitsPerS2: number;
  faultSeverity: FaultSeverity;
}
