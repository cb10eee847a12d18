// What each station of the virtual line does to a product, judged from its axis's real motion: the
// filler's dose is the piston travel while the product is under the nozzle, the seal is the time the
// sealer's head stays closed on it, the label is the web the labeler feeds while it passes the peel
// plate. A plant fault drawn for a product (the supply ran dry, the seal foil is missing, the label web
// has a gap) makes that station's work miss it even though the axis moved. A station the line does not
// simulate (no reader for its axis) does its work unless such a fault was drawn: its check still runs.
//
// As a test oracle this module imports nothing of the gateway's: it knows the stations only through
// their axes' positions and this line's own geometry (STYLE.md lesson 16).

/** Defects a station can leave on a product (label defects are the label generator's own). */
export const STATION_DEFECTS = ['no-fill', 'no-seal', 'no-label'] as const;
export type StationDefect = (typeof STATION_DEFECTS)[number];

export type SimulatedStation = 'infeed' | 'filler' | 'sealer' | 'labeler';

/** Geometry of the stations the virtual line simulates; positions from the infeed, mm. */
export interface StationGeometry {
  /** One index of the infeed axis places one product; counts. */
  infeed?: { indexCounts: number };
  /** A product is filled when the piston travelled doseCounts (±10 %) while its centre was within ±windowMm/2. */
  filler?: { positionMm: number; doseCounts: number; windowMm: number };
  /**
   * Sealed when the head stood at or beyond closedCounts for dwellMs (at least 80 %, at most twice: a
   * longer dwell scorches the seal) while within ±windowMm/2.
   */
  sealer?: { positionMm: number; closedCounts: number; dwellMs: number; windowMm: number };
  /** Labelled when the web fed labelCounts (at least 90 %) while within ±windowMm/2. */
  labeler?: { positionMm: number; labelCounts: number; windowMm: number };
}

/** What the stations did to one product so far. */
export interface ProductWork {
  fillCounts: number;
  sealedMs: number;
  labelCounts: number;
  filled?: boolean;
  sealed?: boolean;
  labelled?: boolean;
}

export function freshWork(): ProductWork {
  return { fillCounts: 0, sealedMs: 0, labelCounts: 0 };
}

/** Station axis positions at one judged instant. */
export type StationCounts = Partial<Record<SimulatedStation, number>>;

/** One judged step for one product: its centre's position now, the axes' moves since the last step. */
export interface WorkStep {
  positionMm: number;
  dtMs: number;
  /** Axis travel since the last judged instant, counts (forward only counts as work). */
  delta: StationCounts;
  now: StationCounts;
  /** The plant fault drawn for this product, if any. */
  injected: StationDefect | undefined;
}

/** A station's judgement of a product that has just left its window. */
export interface StationJudgement {
  station: 'filler' | 'sealer' | 'labeler';
  ok: boolean;
  /** The defect it leaves when not ok. */
  defect: StationDefect;
}

/**
 * Advances one product by one step and returns the judgements of the stations whose window it left in
 * this step (each station judges a product once).
 */
export function applyStations(
  geometry: StationGeometry,
  work: ProductWork,
  step: WorkStep,
): StationJudgement[] {
  const out: StationJudgement[] = [];
  const { filler, sealer, labeler } = geometry;
  if (filler && work.filled === undefined && step.delta.filler === undefined) {
    // Not simulated: the station does its work, unless a plant fault was drawn for the product.
    if (step.positionMm - filler.positionMm > filler.windowMm / 2) {
      work.filled = step.injected !== 'no-fill';
      out.push({ station: 'filler', ok: work.filled, defect: 'no-fill' });
    }
  } else if (filler && work.filled === undefined && step.delta.filler !== undefined) {
    const offset = step.positionMm - filler.positionMm;
    if (Math.abs(offset) <= filler.windowMm / 2 && step.injected !== 'no-fill') {
      work.fillCounts += Math.max(0, step.delta.filler);
    } else if (offset > filler.windowMm / 2) {
      // Under- and over-filled are both out of tolerance: a second dose is as wrong as none.
      work.filled = Math.abs(work.fillCounts - filler.doseCounts) <= 0.1 * filler.doseCounts;
      out.push({ station: 'filler', ok: work.filled, defect: 'no-fill' });
    }
  }
  if (sealer && work.sealed === undefined && step.now.sealer === undefined) {
    if (step.positionMm - sealer.positionMm > sealer.windowMm / 2) {
      work.sealed = step.injected !== 'no-seal';
      out.push({ station: 'sealer', ok: work.sealed, defect: 'no-seal' });
    }
  } else if (sealer && work.sealed === undefined && step.now.sealer !== undefined) {
    const offset = step.positionMm - sealer.positionMm;
    if (Math.abs(offset) <= sealer.windowMm / 2) {
      if (step.now.sealer >= sealer.closedCounts) work.sealedMs += step.dtMs;
    } else if (offset > sealer.windowMm / 2) {
      // Too short a dwell does not fuse the foil; more than twice the dwell scorches it.
      work.sealed =
        step.injected !== 'no-seal' &&
        work.sealedMs >= 0.8 * sealer.dwellMs &&
        work.sealedMs <= 2 * sealer.dwellMs;
      out.push({ station: 'sealer', ok: work.sealed, defect: 'no-seal' });
    }
  }
  if (labeler && work.labelled === undefined && step.delta.labeler === undefined) {
    if (step.positionMm - labeler.positionMm > labeler.windowMm / 2) {
      work.labelled = step.injected !== 'no-label';
      out.push({ station: 'labeler', ok: work.labelled, defect: 'no-label' });
    }
  } else if (labeler && work.labelled === undefined && step.delta.labeler !== undefined) {
    const offset = step.positionMm - labeler.positionMm;
    if (Math.abs(offset) <= labeler.windowMm / 2 && step.injected !== 'no-label') {
      work.labelCounts += Math.max(0, step.delta.labeler);
    } else if (offset > labeler.windowMm / 2) {
      work.labelled = work.labelCounts >= 0.9 * labeler.labelCounts;
      out.push({ station: 'labeler', ok: work.labelled, defect: 'no-label' });
    }
  }
  return out;
}

/** Problems with the stations' geometry against the camera's position. */
export function checkStationGeometry(geometry: StationGeometry, cameraPositionMm: number): string[] {
  const problems: string[] = [];
  for (const name of ['filler', 'sealer', 'labeler'] as const) {
    const station = geometry[name];
    if (station === undefined) continue;
    if (!(station.windowMm > 0)) problems.push(`stations.${name}.windowMm must be > 0`);
    if (!(station.positionMm + station.windowMm / 2 < cameraPositionMm)) {
      problems.push(
        `stations.${name} must be judged before the camera (positionMm + windowMm/2 < cameraPositionMm)`,
      );
    }
  }
  if (geometry.infeed && !(geometry.infeed.indexCounts > 0))
    problems.push('stations.infeed.indexCounts must be > 0');
  return problems;
}
