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
}

/** What happens to a product at the reject station, decided once, armLeadMs before it arrives. */
export interface RejectDecision {
  productId: string;
  /** Fire the arm for it. */
  reject: boolean;
  /** When to send the arm's out-move; for a pass, when it would have been. */
  sendAtMs: MonotonicMs;
  /** What the decision rests on: the vision verdict, or the lack of one in time. */
  cause: 'verdict' | 'no-verdict';
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
  dropped: number;
}

export class ProductTracker {
  private readonly products = new Map<string, TrackedProduct>();
  readonly stats: TrackerStats = {
    triggered: 0,
    verdicts: 0,
    lateVerdicts: 0,
    unknownVerdicts: 0,
    firedOnVerdict: 0,
    firedWithoutVerdict: 0,
    dropped: 0,
  };

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
    });
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
    product.verdict = verdict;
    product.reasons = reasons;
    product.verdictAtMs = nowMs;
    return true;
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
      if (product.verdict === undefined) {
        const reject = this.config.rejectWithoutVerdict;
        if (reject) this.stats.firedWithoutVerdict++;
        decisions.push({ productId, reject, sendAtMs, cause: 'no-verdict', reasons: [], rejectAtMm, armed });
      } else {
        const reject = product.verdict === 'reject';
        if (reject) this.stats.firedOnVerdict++;
        decisions.push({ productId, reject, sendAtMs, cause: 'verdict', reasons, rejectAtMm, armed });
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
  }
}
