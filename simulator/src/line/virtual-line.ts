// The virtual packaging line: products ride the simulated conveyor's encoder position past the camera
// to the reject arm, and the line records which bin each one really ends up in, and where each product
// was when the arm started its stroke. Given timeline readers (the simulated controller's positionAt),
// it judges on the exact simulated timeline: every judgeStepMs of simulated time, however late its timer
// ran, so a stroke the controller started on time (a TMOVE on the conveyor's position, §v2 Triggered
// moves) counts as on time even if this process's event loop stalled.

import type { Clock } from '@servo-edge/common/clock';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import type { LabelDefect } from '../labels/types.js';
import { checkLineConfig, DEFAULT_LINE_CONFIG, type VirtualLineConfig } from './line-config.js';
import {
  applyStations,
  freshWork,
  type ProductWork,
  type SimulatedStation,
  STATION_DEFECTS,
  type StationCounts,
  type StationDefect,
} from './station-effects.js';

/** What is wrong with a product: its label's defect, or what a station left undone. */
export type ProductDefect = LabelDefect | StationDefect;

export interface LineProduct {
  id: string;
  /**
   * Its first defect: the label defect drawn at the infeed, or what a station left undone (a plant
   * fault drawn for it, or a station axis that did not do its work at the right time).
   */
  defect: ProductDefect;
  /** The plant fault drawn for it at the infeed, if any. */
  injected?: StationDefect;
  /** What the simulated stations did to it. */
  work: ProductWork;
  /** Belt position (mm) when the infeed placed it; its position is belt travel since then. */
  spawnBeltMm: number;
  spawnedAtMs: number;
  capturedAtMs?: number;
  /** Conveyor encoder counts when the product's centre crossed the camera trigger. */
  capturedConveyorCounts?: number;
  bin?: 'rejected' | 'passed';
  binnedAtMs?: number;
}

/** One stroke of the reject arm: when it started, and where the product it was for stood then. */
export interface LineStroke {
  /** The simulated instant the arm left rest (refined between judge steps on the timeline). */
  startedAtMs: number;
  /** The product on the belt nearest to where the stroke should find one (rejectPositionMm - strokeLeadMm). */
  productId: string | undefined;
  /** Its centre relative to rejectPositionMm at the start, mm: negative while still upstream. */
  productOffsetMm: number | undefined;
  /**
   * productOffsetMm + strokeLeadMm: how far the product was from where the stroke should find it, mm;
   * positive means the stroke started late. Undefined without strokeLeadMm.
   */
  errorMm: number | undefined;
}

export interface LineSummary {
  produced: number;
  onBelt: number;
  defective: number;
  rejected: number;
  passed: number;
  /** Defective products that reached the good bin. */
  missedDefectIds: string[];
  /** Good products that were pushed into the reject bin. */
  falseRejectIds: string[];
}

export interface VirtualLineOptions {
  clock: Clock;
  config?: Partial<VirtualLineConfig>;
  /** Reads the conveyor axis's encoder, counts. */
  readConveyorCounts(): number;
  /** Reads the reject arm axis's position, counts. */
  readRejectArmCounts(): number;
  /** The camera fires: the product's centre is at cameraPositionMm. */
  onCapture(product: LineProduct, conveyorCounts: number): void;
  /**
   * Timeline readers, both or neither: the conveyor's and the arm's positions at a past instant of the
   * simulation clock (SimulatedController.positionAt). With them the line judges on the exact timeline;
   * undefined from a reader falls back to the read*Counts() of now.
   */
  conveyorCountsAt?(atMs: number): number | undefined;
  rejectArmCountsAt?(atMs: number): number | undefined;
  /** Readers of the simulated stations' axes, counts (config.stations says where they stand). */
  readStationCounts?: Partial<Record<SimulatedStation, () => number>>;
  /** Their positions at a past instant (with the timeline readers above); undefined falls back to now. */
  stationCountsAt?: Partial<Record<SimulatedStation, (atMs: number) => number | undefined>>;
  /**
   * A station's own check of a product that has just left it (a check-weigher after the filler, a seal
   * sensor after the sealer), with the conveyor's encoder counts when its centre was at the station.
   */
  onStationCheck?(
    product: LineProduct,
    station: 'filler' | 'sealer',
    ok: boolean,
    conveyorCountsAtStation: number,
  ): void;
}

/** The label the camera sees on a product: none where the labeler missed it. */
export function labelFrameOf(product: LineProduct): LabelDefect {
  if (product.work.labelled === false) return 'missing';
  return (STATION_DEFECTS as readonly string[]).includes(product.defect)
    ? 'none'
    : (product.defect as LabelDefect);
}

export class VirtualLine {
  readonly config: VirtualLineConfig;
  private readonly random: () => number;
  private readonly belt: LineProduct[] = [];
  private readonly rejectedBin: LineProduct[] = [];
  private readonly passedBin: LineProduct[] = [];
  private producedCount = 0;
  private lastSpawnBeltMm: number | undefined;
  private cancelTimer: (() => void) | undefined;
  private running = false;
  private readonly strokeList: LineStroke[] = [];
  /** The last judged instant and the arm's position then (stroke detection compares against it). */
  private lastJudged: { atMs: number; armCounts: number; stations: StationCounts } | undefined;
  /** Infeed indexes already turned into products. */
  private placedIndexes: number | undefined;
  /** The last judged instant the arm stood still (where a stroke starts from). */
  private armRest: { atMs: number; armCounts: number } | undefined;

  constructor(private readonly options: VirtualLineOptions) {
    this.config = { ...DEFAULT_LINE_CONFIG, ...options.config };
    const problems = checkLineConfig(this.config);
    if ((options.conveyorCountsAt === undefined) !== (options.rejectArmCountsAt === undefined)) {
      problems.push('conveyorCountsAt and rejectArmCountsAt go together');
    }
    if (problems.length > 0) throw new RangeError(`virtual line config: ${problems.join('; ')}`);
    this.random = seededRandom(this.config.seed);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  close(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  get rejected(): readonly LineProduct[] {
    return this.rejectedBin;
  }
  get passed(): readonly LineProduct[] {
    return this.passedBin;
  }
  get onBelt(): readonly LineProduct[] {
    return this.belt;
  }
  /** Every stroke of the reject arm so far, oldest first. */
  get strokes(): readonly LineStroke[] {
    return this.strokeList;
  }

  summary(): LineSummary {
    const all = [...this.rejectedBin, ...this.passedBin, ...this.belt];
    return {
      produced: this.producedCount,
      onBelt: this.belt.length,
      defective: all.filter((p) => p.defect !== 'none').length,
      rejected: this.rejectedBin.length,
      passed: this.passedBin.length,
      missedDefectIds: this.passedBin.filter((p) => p.defect !== 'none').map((p) => p.id),
      falseRejectIds: this.rejectedBin.filter((p) => p.defect === 'none').map((p) => p.id),
    };
  }

  /**
   * Samples the encoders once. Public so tests can step it without the timer. With timeline readers it
   * judges every judgeStepMs of simulated time since the last sample, then now; without them, now only.
   */
  sample(): void {
    const now = this.options.clock.monotonicMs();
    if (this.options.conveyorCountsAt === undefined) {
      this.judgeAt(
        now,
        this.options.readConveyorCounts(),
        this.options.readRejectArmCounts(),
        this.stationCounts(),
      );
      return;
    }
    const step = this.config.judgeStepMs;
    const from = this.lastJudged?.atMs;
    if (from !== undefined) {
      for (let t = from + step; t < now; t += step) this.judgeOnTimeline(t);
    }
    this.judgeOnTimeline(now);
  }

  private judgeOnTimeline(atMs: number): void {
    const conveyor = this.options.conveyorCountsAt!(atMs) ?? this.options.readConveyorCounts();
    const arm = this.options.rejectArmCountsAt!(atMs) ?? this.options.readRejectArmCounts();
    this.judgeAt(atMs, conveyor, arm, this.stationCounts(atMs));
  }

  /** The simulated stations' axes at `atMs` (on the timeline where there is one), or now. */
  private stationCounts(atMs?: number): StationCounts {
    const counts: StationCounts = {};
    const { readStationCounts, stationCountsAt } = this.options;
    for (const [name, read] of Object.entries(readStationCounts ?? {}) as [
      SimulatedStation,
      () => number,
    ][]) {
      const past = atMs === undefined ? undefined : stationCountsAt?.[name]?.(atMs);
      counts[name] = past ?? read();
    }
    return counts;
  }

  /** The line at one instant: infeed, camera, strokes, reject arm, end of belt. */
  private judgeAt(now: number, conveyorCounts: number, armCounts: number, stations: StationCounts): void {
    const { config } = this;
    const beltMm = conveyorCounts / config.conveyorCountsPerMm;
    const indexCounts = config.stations?.infeed?.indexCounts;
    if (indexCounts !== undefined && stations.infeed !== undefined) {
      // 1. Infeed: one product per index of its axis, placed on the belt half-way through the index.
      const indexes = Math.floor(stations.infeed / indexCounts + 0.5);
      this.placedIndexes ??= indexes;
      while (this.placedIndexes < indexes) {
        this.placedIndexes++;
        this.spawn(beltMm, now);
      }
    } else {
      // 1. Infeed: one product per pitch of belt travel (the belt may stop; then so does the infeed).
      if (this.lastSpawnBeltMm === undefined) this.lastSpawnBeltMm = beltMm - config.productPitchMm;
      while (beltMm - this.lastSpawnBeltMm >= config.productPitchMm) {
        this.lastSpawnBeltMm += config.productPitchMm;
        this.spawn(this.lastSpawnBeltMm, now);
      }
    }
    const previous = this.lastJudged;
    this.lastJudged = { atMs: now, armCounts, stations };
    const delta: StationCounts = {};
    for (const [name, counts] of Object.entries(stations) as [SimulatedStation, number][]) {
      delta[name] = counts - (previous?.stations[name] ?? counts);
    }
    const dtMs = previous ? now - previous.atMs : 0;
    if (previous && previous.armCounts <= config.strokeStartCounts && armCounts > config.strokeStartCounts) {
      const rest = this.armRest ?? previous;
      this.recordStroke(rest.atMs, now, rest.armCounts);
    }
    if (previous && armCounts === previous.armCounts) this.armRest = { atMs: now, armCounts };
    const armOut = armCounts >= config.rejectArmOutCounts;
    const halfWindowMm = config.rejectWindowMm / 2;
    for (let i = 0; i < this.belt.length; ) {
      const product = this.belt[i]!;
      const positionMm = beltMm - product.spawnBeltMm;
      // 2. The stations upstream of the camera: fill, seal, label.
      if (config.stations) this.work(product, positionMm, dtMs, delta, stations);
      // 3. Camera trigger (a photo-eye with an encoder latch, as real lines use).
      if (product.capturedAtMs === undefined && positionMm >= config.cameraPositionMm) {
        product.capturedAtMs = now;
        product.capturedConveyorCounts = Math.round(
          (product.spawnBeltMm + config.cameraPositionMm) * config.conveyorCountsPerMm,
        );
        this.options.onCapture(product, product.capturedConveyorCounts);
      }
      // 4. Reject arm: pushes whatever is in front of it while it is out.
      if (armOut && Math.abs(positionMm - config.rejectPositionMm) <= halfWindowMm) {
        this.bin(i, 'rejected', now);
        continue;
      }
      // 5. End of belt.
      if (positionMm >= config.endPositionMm) {
        this.bin(i, 'passed', now);
        continue;
      }
      i++;
    }
  }

  /**
   * The arm passed strokeStartCounts between `beforeMs` and `afterMs`, from rest at `restCounts`. On the
   * timeline the instant it left rest is found by bisection (to a microsecond, and a millionth of a count
   * off rest); without it, `afterMs` is the best the line knows. The product the stroke is for is the one
   * nearest to where the stroke should find it, among those not binned yet.
   */
  private recordStroke(beforeMs: number, afterMs: number, restCounts: number): void {
    const { config, options } = this;
    let startedAtMs = afterMs;
    if (options.rejectArmCountsAt) {
      let lo = beforeMs;
      let hi = afterMs;
      while (hi - lo > 0.001) {
        const mid = (lo + hi) / 2;
        if ((options.rejectArmCountsAt(mid) ?? restCounts) > restCounts + 1e-6) hi = mid;
        else lo = mid;
      }
      startedAtMs = hi;
    }
    const conveyor = options.conveyorCountsAt?.(startedAtMs) ?? options.readConveyorCounts();
    const beltMm = conveyor / config.conveyorCountsPerMm;
    const lead = config.strokeLeadMm ?? 0;
    let best: { product: LineProduct; offsetMm: number } | undefined;
    for (const product of this.belt) {
      const offsetMm = beltMm - product.spawnBeltMm - config.rejectPositionMm;
      if (!best || Math.abs(offsetMm + lead) < Math.abs(best.offsetMm + lead)) best = { product, offsetMm };
    }
    this.strokeList.push({
      startedAtMs,
      productId: best?.product.id,
      productOffsetMm: best?.offsetMm,
      errorMm: best && config.strokeLeadMm !== undefined ? best.offsetMm + config.strokeLeadMm : undefined,
    });
  }

  /** One product's step past the stations; a station that left its work undone defines its defect. */
  private work(
    product: LineProduct,
    positionMm: number,
    dtMs: number,
    delta: StationCounts,
    now: StationCounts,
  ): void {
    const judgements = applyStations(this.config.stations!, product.work, {
      positionMm,
      dtMs,
      delta,
      now,
      injected: product.injected,
    });
    for (const judgement of judgements) {
      if (!judgement.ok && product.defect === 'none') product.defect = judgement.defect;
      if (judgement.station === 'labeler') continue; // the camera sees a missing label
      const at = this.config.stations![judgement.station]!.positionMm;
      this.options.onStationCheck?.(
        product,
        judgement.station,
        judgement.ok,
        Math.round((product.spawnBeltMm + at) * this.config.conveyorCountsPerMm),
      );
    }
  }

  private spawn(spawnBeltMm: number, now: number): void {
    const { defectRate, defects, stationDefectRates } = this.config;
    const defect: LabelDefect =
      this.random() < defectRate ? defects[Math.floor(this.random() * defects.length)]! : 'none';
    // Drawn only when station defects are asked for, so a run without them repeats the older sequence.
    let injected: StationDefect | undefined;
    if (stationDefectRates !== undefined) {
      let draw = this.random();
      for (const candidate of STATION_DEFECTS) {
        const rate = stationDefectRates[candidate] ?? 0;
        if (draw < rate) {
          injected = candidate;
          break;
        }
        draw -= rate;
      }
    }
    this.producedCount++;
    this.belt.push({
      id: `P${String(this.producedCount).padStart(6, '0')}`,
      // One defect per product: a label defect takes precedence (the fault was drawn all the same, so the
      // sequence of draws does not depend on outcomes).
      defect,
      ...(injected === undefined || defect !== 'none' ? {} : { injected }),
      work: freshWork(),
      spawnBeltMm,
      spawnedAtMs: now,
    });
  }

  private bin(index: number, bin: 'rejected' | 'passed', now: number): void {
    const [product] = this.belt.splice(index, 1);
    product!.bin = bin;
    product!.binnedAtMs = now;
    (bin === 'rejected' ? this.rejectedBin : this.passedBin).push(product!);
  }

  private schedule(): void {
    if (!this.running) return;
    this.cancelTimer = this.options.clock.after(this.config.sampleIntervalMs, () => {
      this.sample();
      this.schedule();
    });
  }
}

export function createVirtualLine(options: VirtualLineOptions): VirtualLine {
  return new VirtualLine(options);
}
