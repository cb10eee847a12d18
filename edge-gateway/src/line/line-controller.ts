// Runs the packaging line: turns PackML acting states into motion (conveyor, reject arm), tracks
// products from the camera trigger to the reject station, and fires the arm for rejected ones.

import { type Clock, elapsedMs, type MonotonicMs } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import type { VerdictMessage as InspectionVerdict } from '@servo-edge/common/mqtt';
import { trapezoidDurationS } from '@servo-edge/firmware-protocol';
import type { MotionService, MotionServiceEvent, MoveRecord } from '@servo-edge/motion-api';
import { GatewayError } from '../errors.js';
import type { LineModel, LineTransition } from '../packml/line-model.js';
import type { PackMLState } from '../packml/states.js';
import { ProductTracker, type RejectDecision } from '../tracking/product-tracker.js';
import {
  CancelledSend,
  ConveyorTimedMoves,
  type ConveyorTiming,
  type TimedStep,
} from './conveyor-timed-moves.js';
import type { Station, StationName, StationReport } from './stations/station.js';
import { StationRunner } from './stations/station-runner.js';

/** How often Stopping reads whether the belt and the arm stand still, ms. */
const STILL_POLL_MS = 10;
/** Beyond the belt's own ramp-down (velocity / deceleration), what Stopping waits for it, ms. */
const STILL_WAIT_MARGIN_MS = 500;
/** The longest Stopping waits for a running stroke (out and back) to end, ms. */
const STROKE_WAIT_MS = 2000;

/** The part of the motion API the line uses. */
export type LineMotion = Pick<
  MotionService,
  | 'axis'
  | 'jog'
  | 'stop'
  | 'enable'
  | 'home'
  | 'move'
  | 'waitForMove'
  | 'controllers'
  | 'estop'
  | 'resetEstop'
  | 'subscribe'
>;

/**
 * How the reject stroke is timed. `position`: armed on the controller, which starts it when the
 * conveyor's encoder passes the product's position (PROTOCOL.md §v2 Triggered moves). `host`: this
 * process sends the stroke when its timer says the product is near, which is late when the host is
 * busy. `auto`: position where the controller can (v2, TRIG, conveyor and arm on one controller),
 * host otherwise, with a warning.
 */
export type RejectTiming = ConveyorTiming;

export interface RejectArmMotion {
  /** Rest position, user units of the arm axis (e.g. degrees). */
  homePosition: number;
  /** Fully out, across the lane. */
  outPosition: number;
  velocityUnitsPerS: number;
  accelerationUnitsPerS2: number;
}

export interface LineControllerOptions {
  /** Monotonic time and timers: the belt sampling and the reject strokes. */
  clock: Clock;
  model: LineModel;
  motion: LineMotion;
  log: Logger;
  conveyorAxis: string;
  rejectArmAxis: string;
  conveyorVelocityMmPerS: number;
  conveyorAccelerationMmPerS2: number;
  rejectArm: RejectArmMotion;
  /** Belt distance from the camera trigger to the reject station. */
  cameraToRejectMm: number;
  /** One-way command latency to the controller, added to the arm's lead. */
  commandLatencyMs: number;
  rejectWithoutVerdict: boolean;
  /** How often the belt position is sampled for reject timing. */
  samplePeriodMs: number;
  /** How far ahead of its start a station cycle is handed out, ms of belt travel (default 300). */
  stationArmAheadMs?: number;
  /** Default `auto`. */
  rejectTiming?: RejectTiming;
  /** The line's stations (infeed first, in belt order); each cycles once per product. */
  stations?: readonly Station[];
  /** Belt distance from the infeed to the camera trigger: where a station's product meets the camera. */
  cameraMm?: number;
  /** Belt travel between products (the infeed's pitch); needed with stations. */
  productSpacingMm?: number;
}

export interface RejectRecord {
  productId: string;
  cause: RejectDecision['cause'];
  reasons: string[];
  /** Host timing: when the out-move was sent. Position timing: when the stroke was armed. */
  firedAtMs: MonotonicMs;
  /** Host timing: how late the out-move left against its plan (event-loop stalls show up here first). 0 when armed. */
  lateMs: number;
  /** How the stroke was timed. */
  timing: 'position' | 'host';
  /** Position timing: the conveyor position (mm) at which the controller starts the stroke. */
  triggerAtMm?: number;
}

/** A stroke this late has used up most of the window in which it still meets its product. */
const LATE_STROKE_MS = 20;
/**
 * Position timing: a product still without a verdict is decided this much earlier, so that its
 * fail-safe stroke reaches the controller before the belt passes its trigger point (a TMOVE armed
 * after the crossing is ABORTED why=LATE). Arming early costs no accuracy: the controller fires it.
 */
const POSITION_ARM_MARGIN_MS = 50;

/** States whose work is motion; the controller runs it, then calls stateComplete(). */
const CONVEYOR_STOPPING: ReadonlySet<PackMLState> = new Set([
  'Completing',
  'Holding',
  'Suspending',
  'Stopping',
]);
const CONVEYOR_STARTING: ReadonlySet<PackMLState> = new Set(['Starting', 'Unholding', 'Unsuspending']);
/**
 * States in which the line makes nothing and tracks nothing new: the belt is at rest (Stopped, Idle
 * and the states between them) or its contents were forgotten (Aborting, Aborted, Clearing). A verdict
 * for an untracked product then comes from a test frame (the demo's vision self-test, a technician
 * checking a camera) or follows an e-stop; a lost trigger can only happen while the line runs.
 */
const AT_REST: ReadonlySet<PackMLState> = new Set([
  'Stopped',
  'Resetting',
  'Idle',
  'Aborting',
  'Aborted',
  'Clearing',
]);

export class LineController {
  readonly tracker: ProductTracker;
  /** The last rejects fired, newest last; bounded. */
  readonly rejects: RejectRecord[] = [];
  private readonly armLeadMs: number;
  /** The arm's out-move duration: the belt travels velocity × this between the stroke's start and the product's arrival. */
  private readonly outMoveMs: number;
  private readonly timed: ConveyorTimedMoves;
  private cancelSample: (() => void) | undefined;
  private unsubscribers: (() => void)[] = [];
  private running = false;
  /** How many times the line cancelled the strokes armed on the controller (Stopping, Resetting). */
  private disarms = 0;
  /** The stations' cycles; undefined on a line with none. */
  readonly stations: StationRunner | undefined;

  constructor(private readonly options: LineControllerOptions) {
    const arm = options.rejectArm;
    // The arm is centred on the lane when its out-move ends; aim that moment at the product's arrival.
    const outMoveMs =
      trapezoidDurationS(
        arm.outPosition - arm.homePosition,
        arm.velocityUnitsPerS,
        arm.accelerationUnitsPerS2,
      ) * 1000;
    this.outMoveMs = outMoveMs;
    this.armLeadMs = outMoveMs + options.commandLatencyMs;
    this.timed = new ConveyorTimedMoves({
      clock: options.clock,
      motion: options.motion,
      log: options.log,
      conveyorAxis: options.conveyorAxis,
      conveyorVelocityMmPerS: options.conveyorVelocityMmPerS,
      timing: options.rejectTiming ?? 'auto',
    });
    this.tracker = new ProductTracker({
      cameraToRejectMm: options.cameraToRejectMm,
      armLeadMs: this.armLeadMs,
      rejectWithoutVerdict: options.rejectWithoutVerdict,
      maxTracked: 10_000,
      ...(options.productSpacingMm === undefined ? {} : { productPitchMm: options.productSpacingMm }),
    });
    const stations = options.stations ?? [];
    if (stations.length > 0) {
      if (options.cameraMm === undefined || options.productSpacingMm === undefined) {
        throw new RangeError('a line with stations needs cameraMm and productSpacingMm');
      }
      this.stations = new StationRunner({
        clock: options.clock,
        motion: options.motion,
        log: options.log,
        timed: this.timed,
        stations,
        pitchMm: options.productSpacingMm,
        beltMmPerS: options.conveyorVelocityMmPerS,
        onFault: (station, code, reason) => this.stationFault(station, code, reason),
        onProductDefect: (placedAtMm, station, reason) =>
          this.markProduct(placedAtMm + options.cameraMm!, `${station}:${reason}`),
        atRest: () => AT_REST.has(this.options.model.state),
        ...(options.stationArmAheadMs !== undefined ? { armAheadMs: options.stationArmAheadMs } : {}),
      });
      const runner = this.stations;
      options.model.setStationSource(() => runner.report());
    }
  }

  /** The stations' reports, as GET /api/v1/line shows them. */
  stationReports(): StationReport[] {
    return this.stations?.report() ?? [];
  }

  /**
   * A station's own check of one product (a check-weigher after the filler, a seal sensor after the
   * sealer): `conveyorMm` is the belt position latched as the product's centre passed the station. A
   * failed check marks the product for rejection, whatever vision says of its label.
   */
  stationCheck(station: StationName, conveyorMm: number, ok: boolean, reason = 'CHECK_FAILED'): void {
    if (ok) return;
    const found = this.stations?.stations.find((s) => s.name === station);
    if (!found || this.options.cameraMm === undefined) {
      this.options.log.warn({ station }, 'line.station.check-unknown');
      return;
    }
    this.markProduct(conveyorMm - found.positionMm + this.options.cameraMm, `${station}:${reason}`);
  }

  private markProduct(atCameraMm: number, reason: string): void {
    const result = this.tracker.markForReject(atCameraMm, reason);
    if (result === 'too-late') this.options.log.error({ atCameraMm, reason }, 'line.station.mark-late');
    else if (result === 'marked' && this.positionTiming()) this.armPending();
  }

  private stationFault(station: Station, code: string, reason: string): void {
    const { log, model } = this.options;
    log.error({ station: station.name, code, reason, severity: station.severity }, 'line.station.fault');
    model.stationFault({ station: station.name, code, reason, severity: station.severity });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribers = [
      this.options.model.onTransition((t) => this.onTransition(t)),
      this.options.motion.subscribe((e) => this.onMotionEvent(e)),
    ];
    this.scheduleSample();
  }

  close(): void {
    this.running = false;
    for (const off of this.unsubscribers) off();
    this.unsubscribers = [];
    this.cancelSample?.();
    this.timed.cancelPending();
  }

  /** The camera's trigger: the product's centre was at the camera when the belt was at `conveyorMm`. */
  trigger(productId: string, conveyorMm: number): void {
    this.tracker.trigger(productId, conveyorMm, this.options.clock.monotonicMs());
  }

  verdict(verdict: InspectionVerdict): void {
    this.options.model.recordInspection(verdict);
    if (verdict.productId === null) return;
    const accepted = this.tracker.verdict(
      verdict.productId,
      verdict.verdict,
      verdict.reasons,
      this.options.clock.monotonicMs(),
    );
    if (accepted) {
      if (this.positionTiming()) this.armPending();
      return;
    }
    const { productId } = verdict;
    // A late verdict (its product already passed the decision point) is worth a warning in any state;
    // a verdict for a product never triggered only while the line runs (a lost trigger).
    const late = this.tracker.tracks(productId);
    if (late || !AT_REST.has(this.options.model.state)) {
      this.options.log.warn({ productId, late }, 'line.verdict.unmatched');
    } else {
      this.options.log.debug({ productId }, 'line.verdict.untracked');
    }
  }

  private onMotionEvent(event: MotionServiceEvent): void {
    if (event.type === 'device' && event.event === 'FAULT' && event.axis !== null && this.running) {
      const code = typeof event.fields.code === 'string' ? event.fields.code : 'AXIS_FAULT';
      this.stations?.axisFault(event.axis, code, `FAULT on ${event.axis}: ${JSON.stringify(event.fields)}`);
    }
    if (event.type === 'device' && event.event === 'ESTOP') {
      this.tracker.clear(); // after an e-stop nobody knows what is where on the belt
      this.options.model.estop();
    }
    // The controller stopped the conveyor's jog itself (its lease ran out: the host was silent for
    // that long). The belt stands while the line would run: hold it, so the operator sees why and
    // Unhold starts the belt again; the products on it keep their places.
    if (
      event.type === 'device' &&
      event.event === 'LEASE' &&
      event.axis === this.options.conveyorAxis &&
      this.options.model.state === 'Execute'
    ) {
      this.options.log.error({ axis: event.axis, fields: event.fields }, 'line.conveyor.stopped');
      this.options.model.command('Hold');
    }
  }

  private onTransition(transition: LineTransition): void {
    const state = transition.to;
    // The belt is stopping: host-timed station cycles not sent yet would run with no product there.
    if (CONVEYOR_STOPPING.has(state) || state === 'Aborting') this.stations?.pauseHostTimed();
    const act = this.actionFor(state);
    if (!act) return;
    act().then(
      () => {
        // The operator may have moved on (Stop during Starting): complete only the state we acted for.
        if (this.running && this.options.model.state === state) this.options.model.stateComplete();
      },
      (error: unknown) => {
        const code = (error as { code?: string }).code ?? 'UNKNOWN';
        this.options.log.error({ state, code }, 'line.action.failed');
        if (this.running && this.options.model.state === state && state !== 'Aborting') {
          this.options.model.command('Abort');
        }
      },
    );
  }

  /**
   * Cancels what is armed on the controllers, the reject strokes and the stations' cycles: their
   * products are armed again once the line runs (or marked, if the belt carried them past meanwhile).
   */
  /**
   * Resolves once `axis` no longer reports MOVING, or after `maxWaitMs` (a status that never says
   * still must not hold the state machine), polling on the line's clock.
   */
  private async untilStill(axis: string, maxWaitMs: number): Promise<void> {
    const { motion, clock } = this.options;
    const startMs = clock.monotonicMs();
    while (motion.axis(axis).state === 'MOVING' && elapsedMs(startMs, clock.monotonicMs()) < maxWaitMs)
      await new Promise<void>((resolve) => clock.after(STILL_POLL_MS, resolve));
  }

  private async disarmAll(): Promise<void> {
    const { motion, rejectArmAxis } = this.options;
    const armQueue = motion.axis(rejectArmAxis).queue;
    if (armQueue.device > 0 || armQueue.open > 0) {
      this.disarms++;
      await motion.stop(rejectArmAxis);
      this.tracker.disarm();
    }
    await this.stations?.disarm();
  }

  private actionFor(state: PackMLState): (() => Promise<unknown>) | undefined {
    const { motion, conveyorAxis, rejectArmAxis, rejectArm } = this.options;
    if (CONVEYOR_STARTING.has(state)) {
      return () =>
        motion.jog(conveyorAxis, {
          velocity: this.options.conveyorVelocityMmPerS,
          acceleration: this.options.conveyorAccelerationMmPerS2,
        });
    }
    if (state === 'Stopping') {
      // Stopped is where the operator may switch to Manual and move the axes by hand: moves armed on
      // the controllers would hold them (a queue waiting for a belt that no longer runs).
      return async () => {
        await motion.stop(conveyorAxis);
        // STOP is accepted at once, and the belt then ramps down: products still ride on into the
        // reject point. A stroke armed or running for one must be let run, or the product passes
        // unsorted (seen: a defect 31 mm short of the reject point when Stop was pressed, its stroke
        // cancelled by the disarm below). Only what the standing belt will not reach is cancelled.
        const { conveyorVelocityMmPerS, conveyorAccelerationMmPerS2 } = this.options;
        const rampDownMs = (1000 * conveyorVelocityMmPerS) / conveyorAccelerationMmPerS2;
        await this.untilStill(conveyorAxis, rampDownMs + STILL_WAIT_MARGIN_MS);
        await this.untilStill(rejectArmAxis, STROKE_WAIT_MS);
        await this.disarmAll();
      };
    }
    if (CONVEYOR_STOPPING.has(state)) return () => motion.stop(conveyorAxis);
    switch (state) {
      case 'Resetting':
        return async () => {
          // Reset clears latched faults (watchdog, following error) and a released e-stop, as on any machine.
          const stationAxes = this.stations?.stations.map((s) => s.axis) ?? [];
          const latched = [conveyorAxis, rejectArmAxis, ...stationAxes].some((axis) => {
            const status = motion.axis(axis);
            return status.state === 'FAULT' || status.estop;
          });
          if (latched) {
            const result = await motion.resetEstop();
            if (!result.ok) throw new GatewayError('EDGE_LINE_RESET_REFUSED');
          }
          // Moves armed on the controller would hold the home moves behind them until the belt moves.
          await this.disarmAll();
          for (const axis of [conveyorAxis, rejectArmAxis]) {
            const status = motion.axis(axis);
            if (!status.enabled) await motion.enable(axis);
            if (status.homingRequired && !status.homed)
              await motion.home(axis, { wait: true, maxWaitMs: 30_000 });
          }
          await motion.move(rejectArmAxis, {
            position: rejectArm.homePosition,
            velocity: rejectArm.velocityUnitsPerS,
            acceleration: rejectArm.accelerationUnitsPerS2,
          });
          // Every station homed and at rest before Idle: the line goes Execute only with all of them.
          await this.stations?.reset();
        };
      case 'Aborting':
        return async () => {
          this.tracker.clear();
          this.stations?.clear();
          // An operator's Abort is an immediate stop; after an e-stop the controllers are already latched.
          if (!motion.axis(conveyorAxis).estop) motion.estop();
        };
      case 'Clearing':
        return async () => {
          const result = await motion.resetEstop();
          if (!result.ok) throw new GatewayError('EDGE_LINE_RESET_REFUSED');
        };
      default:
        return undefined;
    }
  }

  private scheduleSample(): void {
    if (!this.running) return;
    const { clock, samplePeriodMs } = this.options;
    this.cancelSample = clock.after(samplePeriodMs, () => {
      this.sample();
      this.scheduleSample();
    });
  }

  /** Reads the belt and hands out the reject decisions that fall due before the next sample. */
  sample(): void {
    const { clock, motion, conveyorAxis, samplePeriodMs } = this.options;
    const belt = motion.axis(conveyorAxis);
    if (belt.position === null) return;
    const now = clock.monotonicMs();
    const velocity = belt.velocity ?? 0;
    const positionTiming = this.positionTiming();
    const horizonMs = 2 * samplePeriodMs + (positionTiming ? POSITION_ARM_MARGIN_MS : 0);
    for (const decision of this.tracker.plan(belt.position, velocity, now, horizonMs)) {
      this.options.model.recordProduct(decision.reject ? 'rejected' : 'good');
      if (!decision.reject || decision.armed) continue;
      if (positionTiming) {
        // Decided at its decision point without a verdict (fail-safe reject): arm it now.
        this.arm(decision.productId, decision.rejectAtMm, decision.cause, decision.reasons);
        continue;
      }
      this.fire(decision);
    }
    // A product decided without a verdict may have been holding back rejects behind it.
    if (positionTiming) this.armPending();
    this.stations?.plan(belt.position, now, horizonMs, this.options.model.state === 'Execute');
  }

  /**
   * Whether strokes are armed on the controller. Checked at each use: the protocol version is known
   * only once the link is up, and a controller that reconnects may come back as another version.
   */
  positionTiming(): boolean {
    return this.timed.positionTiming(this.options.rejectArmAxis, 'line.reject.host-timing');
  }

  /** Arms the strokes of the rejected products that may be armed now, in belt order. */
  private armPending(): void {
    // At rest (and while resetting) nothing is armed: Resetting stops the arm and moves it home first.
    if (AT_REST.has(this.options.model.state)) return;
    for (const product of this.tracker.armable()) {
      this.arm(product.productId, product.rejectAtMm, 'verdict', product.reasons);
    }
  }

  /**
   * Queues the stroke on the controller: the out-move waits until the conveyor passes the point where
   * the arm, started then, is fully out as the product's centre arrives; the back-move follows it.
   */
  private arm(
    productId: string,
    rejectAtMm: number,
    cause: RejectDecision['cause'],
    reasons: string[],
  ): void {
    const { motion, rejectArmAxis, log, clock } = this.options;
    const triggerAtMm = rejectAtMm - (this.options.conveyorVelocityMmPerS * this.outMoveMs) / 1000;
    const disarmsAtArm = this.disarms;
    const [out, back] = this.timed.send(
      rejectArmAxis,
      this.strokeSteps(triggerAtMm),
      true,
      clock.monotonicMs(),
    ).moves as [Promise<MoveRecord>, Promise<MoveRecord>];
    this.record({
      productId,
      cause,
      reasons,
      firedAtMs: clock.monotonicMs(),
      lateMs: 0,
      timing: 'position',
      triggerAtMm,
    });
    out.then(
      async (record) => {
        // The stroke's outcome comes later: LATE means its product passed before it could be armed.
        const settled = await motion.waitForMove(record.moveId, 60_000);
        // Still armed after a minute (the belt is held): not a failure.
        const cancelledByLine =
          settled.status === 'aborted' &&
          (AT_REST.has(this.options.model.state) || this.disarms !== disarmsAtArm);
        if (
          !cancelledByLine &&
          (settled.status === 'aborted' || settled.status === 'failed' || settled.status === 'unknown')
        ) {
          log.error(
            { productId, moveId: record.moveId, status: settled.status, code: settled.error?.code },
            'line.reject.failed',
          );
        }
      },
      (error: unknown) => {
        log.error({ productId, code: (error as { code?: string }).code }, 'line.reject.failed');
      },
    );
    back.catch((error: unknown) => {
      log.error({ productId, code: (error as { code?: string }).code }, 'line.reject.failed');
    });
  }

  private record(entry: RejectRecord): void {
    this.rejects.push(entry);
    if (this.rejects.length > 1000) this.rejects.shift();
  }

  /** The stroke: out, timed from the belt, and back right behind it (no round trip between). */
  private strokeSteps(triggerAtMm: number): TimedStep[] {
    const { rejectArm } = this.options;
    const profile = { velocity: rejectArm.velocityUnitsPerS, acceleration: rejectArm.accelerationUnitsPerS2 };
    return [
      { request: { position: rejectArm.outPosition, ...profile }, atMm: triggerAtMm },
      { request: { position: rejectArm.homePosition, ...profile } },
    ];
  }

  /** Host timing: the stroke leaves at the decision's sendAtMs, on this process's timer. */
  private fire(decision: RejectDecision): void {
    const { rejectArmAxis, log } = this.options;
    const triggerAtMm = decision.rejectAtMm - (this.options.conveyorVelocityMmPerS * this.outMoveMs) / 1000;
    const sent = this.timed.send(
      rejectArmAxis,
      this.strokeSteps(triggerAtMm),
      false,
      decision.sendAtMs,
      (firedAtMs) => {
        const lateMs = Math.max(0, elapsedMs(decision.sendAtMs, firedAtMs));
        if (lateMs > LATE_STROKE_MS) log.warn({ productId: decision.productId, lateMs }, 'line.reject.late');
        this.record({
          productId: decision.productId,
          cause: decision.cause,
          reasons: decision.reasons,
          firedAtMs,
          lateMs,
          timing: 'host',
        });
      },
    );
    for (const move of sent.moves) {
      move.catch((error: unknown) => {
        if (error instanceof CancelledSend) return; // close(): the line is going away
        log.error(
          {
            productId: decision.productId,
            code: (error as { code?: string }).code,
          },
          'line.reject.failed',
        );
      });
    }
  }
}

export function createLineController(options: LineControllerOptions): LineController {
  return new LineController(options);
}
