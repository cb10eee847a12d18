// Tracks each product from the camera trigger to the reject station by conveyor position, joins the
// vision verdict, and decides when to fire the reject arm. Pure: positions and a clock in, decisions out.
// Every instant here is on the monotonic clock: it times a reject stroke, which an NTP step must not move.

import { addMs, type MonotonicMs } from '@servo-edge/common/clock';

export interface TrackerConfig {
  /** Belt distance from the camera trigger to the reject station. */
  cameraToRejectMm: number;
  /** Time from sending the arm's out-move until the arm is centred on the lane (arm travel + link latency). */
  armLeadMs: number;
  /** Fire for a product that reached the reject station without a verdict (fail-safe: uninspected is not shipped). */
  rejectWithoutVerdict: boolean;
  /** Products tracked at most; beyond this the oldest is dropped and counted. */
  maxTracked: number;
  /**
   * Belt travel between two products: a station's mark (markForReject) belongs to the product whose
   * camera position is within half of it. Without it, marks are refused.
   */
  productPitchMm?: number;
}

export type Decision = 'reject' | 'pass' | 'pending';

export interface TrackedProduct {
  productId: string;
  /** Conveyor position (mm) when the product's centre is at the reject station. */
  rejectAtMm: number;
  triggeredAtMs: MonotonicMs;
  verdict: 'pass' | 'reject' | undefined;
  reasons: string[];
  verdictAtMs?: MonotonicMs;
  fired: boolean;
  /** A position-triggered stroke was armed on the controller for it (see `armable()`). */
  armed: boolean;
  /** Why stations want it rejected (a failed check, a cycle it did not get), whatever vision says. */
  stationReasons: string[];
}

/** What happens to a product at the reject station, decided once, armLeadMs before it arrives. */
export interface RejectDecision {
  productId: string;
  /** Fire the arm for it. */
  reject: boolean;
  /** When to send the arm's out-move; for a pass, when it would have been. */
  sendAtMs: MonotonicMs;
  /** What the decision rests on: the vision verdict, a station's mark, or the lack of a verdict in time. */
  cause: 'verdict' | 'station' | 'no-verdict';
  reasons: string[];
  /** Conveyor position (mm) when the product's centre is at the reject station. */
  rejectAtMm: number;
  /** The stroke was already armed on the controller (position triggering): nothing to send. */
  armed: boolean;
}

/** A rejected product whose stroke can be armed on the controller now, ahead of its arrival. */
export interface ArmableReject {
  productId: string;
  rejectAtMm: number;
  reasons: string[];
}

export interface TrackerStats {
  triggered: number;
  verdicts: number;
  lateVerdicts: number;
  unknownVerdicts: number;
  firedOnVerdict: number;
  firedWithoutVerdict: number;
  /** Rejected on a station's mark (with or without a verdict). */
  firedOnStation: number;
  /** Station marks that came after their product's decision point (it went on unrejected). */
  lateMarks: number;
  dropped: number;
}

/** The result of a station's mark: on a tracked product, kept for one not triggered yet, or too late. */
export type MarkResult = 'marked' | 'pending' | 'too-late';

/** Marks kept for products not triggered yet, at most. */
const MAX_PENDING_MARKS = 1000;

export class ProductTracker {
  private readonly products = new Map<string, TrackedProduct>();
  readonly stats: TrackerStats = {
    triggered: 0,
    verdicts: 0,
    lateVerdicts: 0,
    unknownVerdicts: 0,
    firedOnVerdict: 0,
    firedWithoutVerdict: 0,
    firedOnStation: 0,
    lateMarks: 0,
    dropped: 0,
  };
  /** Station marks for products the camera has not seen yet: their camera position (mm) and why. */
  private readonly pendingMarks: { atCameraMm: number; reason: string }[] = [];

  constructor(private readonly config: TrackerConfig) {}

  /** The camera fired; `conveyorMm` is the encoder position latched with the trigger. */
  trigger(productId: string, conveyorMm: number, nowMs: MonotonicMs): void {
    if (this.products.has(productId)) return; // a duplicate trigger (QoS 1 redelivery)
    this.stats.triggered++;
    this.products.set(productId, {
      productId,
      rejectAtMm: conveyorMm + this.config.cameraToRejectMm,
      triggeredAtMs: nowMs,
      verdict: undefined,
      reasons: [],
      fired: false,
      armed: false,
      stationReasons: [],
    });
    const product = this.products.get(productId)!;
    for (let i = 0; i < this.pendingMarks.length; ) {
      const mark = this.pendingMarks[i]!;
      if (this.matches(mark.atCameraMm, conveyorMm)) {
        product.stationReasons.push(mark.reason);
        this.pendingMarks.splice(i, 1);
      } else if (mark.atCameraMm < conveyorMm - (this.config.productPitchMm ?? 0)) {
        this.pendingMarks.splice(i, 1); // its product never reached the camera (taken off the belt)
      } else i++;
    }
    while (this.products.size > this.config.maxTracked) {
      const oldest = this.products.keys().next().value as string;
      this.products.delete(oldest);
      this.stats.dropped++;
    }
  }

  /** A verdict arrived. Returns false if the product is unknown or already past the decision point. */
  verdict(productId: string, verdict: 'pass' | 'reject', reasons: string[], nowMs: MonotonicMs): boolean {
    const product = this.products.get(productId);
    if (!product) {
      this.stats.unknownVerdicts++;
      return false;
    }
    if (product.verdict !== undefined) return true; // redelivered
    this.stats.verdicts++;
    if (product.fired) {
      this.stats.lateVerdicts++;
      return false;
    }
    product.verdict = product.stationReasons.length > 0 ? 'reject' : verdict;
    product.reasons = [...reasons, ...product.stationReasons];
    product.verdictAtMs = nowMs;
    return true;
  }

  /**
   * A station wants the product rejected whose centre crosses the camera when the belt is at
   * `atCameraMm` (a failed fill check, a seal not confirmed, a cycle it did not get). Applied to the
   * tracked product there, or kept until the camera triggers it.
   */
  markForReject(atCameraMm: number, reason: string): MarkResult {
    if (this.config.productPitchMm === undefined) return 'too-late';
    for (const product of this.products.values()) {
      if (!this.matches(atCameraMm, product.rejectAtMm - this.config.cameraToRejectMm)) continue;
      if (product.fired) {
        this.stats.lateMarks++;
        return 'too-late';
      }
      product.stationReasons.push(reason);
      if (product.verdict !== undefined) {
        product.verdict = 'reject';
        product.reasons = [...product.reasons, reason];
      }
      return 'marked';
    }
    this.pendingMarks.push({ atCameraMm, reason });
    if (this.pendingMarks.length > MAX_PENDING_MARKS) this.pendingMarks.shift();
    return 'pending';
  }

  private matches(markMm: number, cameraMm: number): boolean {
    return Math.abs(markMm - cameraMm) <= (this.config.productPitchMm ?? 0) / 2;
  }

  /**
   * Position triggering: the rejected products whose strokes may be armed on the controller now. The
   * controller runs an axis's moves in the order they were queued, so strokes are armed in belt order:
   * the list stops at the first product that is still undecided (no verdict, decision point not
   * reached). Arming a later product first would queue its stroke ahead of an earlier one, which would
   * then find its trigger position already passed (ABORTED why=LATE). Each product is returned once.
   */
  armable(): ArmableReject[] {
    const out: ArmableReject[] = [];
    for (const product of this.products.values()) {
      // Already armed, or past its decision point (plan() handed it out, with or without a verdict).
      if (product.armed || product.fired) continue;
      if (product.verdict === undefined) break;
      if (product.verdict === 'pass') continue;
      product.armed = true;
      out.push({ productId: product.productId, rejectAtMm: product.rejectAtMm, reasons: product.reasons });
    }
    return out;
  }

  /**
   * The strokes armed on the controller were cancelled (the arm was stopped): products still short of
   * their decision point become armable again. Returns how many.
   */
  disarm(): number {
    let count = 0;
    for (const product of this.products.values()) {
      if (product.armed && !product.fired) {
        product.armed = false;
        count++;
      }
    }
    return count;
  }

  /**
   * Called with each conveyor sample. Returns the decisions that fall due before the next sample:
   * products whose reject point the belt reaches within armLead + horizon.
   */
  plan(conveyorMm: number, velocityMmPerS: number, nowMs: MonotonicMs, horizonMs: number): RejectDecision[] {
    const decisions: RejectDecision[] = [];
    for (const product of this.products.values()) {
      const remainingMm = product.rejectAtMm - conveyorMm;
      if (remainingMm < -this.config.cameraToRejectMm) {
        this.products.delete(product.productId); // long gone: forget it
        continue;
      }
      if (product.fired) continue;
      const etaMs = addMs(
        nowMs,
        velocityMmPerS > 0 ? (remainingMm / velocityMmPerS) * 1000 : Number.POSITIVE_INFINITY,
      );
      const sendAtMs = addMs(etaMs, -this.config.armLeadMs);
      if (sendAtMs > nowMs + horizonMs) continue;
      // Decision point reached: decide now, with whatever verdict is in.
      product.fired = true;
      const { productId, reasons } = product;
      const { rejectAtMm, armed } = product;
      const marked = product.stationReasons.length > 0;
      if (product.verdict === undefined) {
        const reject = marked || this.config.rejectWithoutVerdict;
        if (marked) this.stats.firedOnStation++;
        else if (reject) this.stats.firedWithoutVerdict++;
        const cause = marked ? 'station' : 'no-verdict';
        decisions.push({
          productId,
          reject,
          sendAtMs,
          cause,
          reasons: product.stationReasons,
          rejectAtMm,
          armed,
        });
      } else {
        const reject = product.verdict === 'reject';
        if (marked) this.stats.firedOnStation++;
        else if (reject) this.stats.firedOnVerdict++;
        decisions.push({
          productId,
          reject,
          sendAtMs,
          cause: marked ? 'station' : 'verdict',
          reasons,
          rejectAtMm,
          armed,
        });
      }
    }
    return decisions;
  }

  /** Whether the product is tracked (triggered, and not yet long past the reject station). */
  tracks(productId: string): boolean {
    return this.products.has(productId);
  }

  get tracked(): number {
    return this.products.size;
  }

  /** Forget every product (e.g. after an e-stop the belt contents are unknown). */
  clear(): void {
    this.products.clear();
    this.pendingMarks.length = 0;
  }
}
