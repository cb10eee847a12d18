// Hold-to-run for jogs: one lease per jogging axis, renewed by its client, and a stop when it is not.
// Where the controller times the lease itself (servo-edge v2 LEASE, PROTOCOL.md §v2 Jog lease) the
// lease rides on the JOG and a renewal is a RENEW; the host keeps only the id and the expiry, to answer
// renewals. Elsewhere (servo-edge v1, other drivers) the host times it: a network cut between the
// client and this service stops the axis, and a dead service is left to the controller's watchdog
// (§Device rule 6). An in-process caller that jogs without a lease (the gateway's conveyor) gets one
// kept alive by the service on a native-lease controller, so the controller still stops the axis if
// this process dies.

import { randomUUID } from 'node:crypto';
import type { MonotonicMs } from '@servo-edge/common/clock';
import { MotionError } from '../errors.js';
import type { AxisRuntime } from './axis-runtime.js';
import type { MotionContext } from './motion-context.js';

/** §v2 Jog lease: 50..5000 ms on the wire. */
export const LEASE_MIN_MS = 50;
export const LEASE_MAX_MS = 5000;
/** The lease a REST jog gets when it names none. */
export const DEFAULT_LEASE_MS = 500;
/**
 * A lease the service keeps alive for an in-process caller that asked for none, such as the line's
 * conveyor (renewed every third). It is a backstop, not the dead-man: if this process dies the link
 * goes silent and the controller's watchdog stops every axis within its period. The longest lease the
 * wire allows, so that a busy host (a Pi rendering the dashboard stalls for seconds) does not stop a
 * running line: with 1 s, a 700 ms stall between two renewals did.
 */
export const KEEPALIVE_LEASE_MS = LEASE_MAX_MS;

/** A jog's lease as the API returns it. */
export interface JogLease {
  id: string;
  leaseMs: number;
  /** Wall-clock expiry if not renewed, ISO 8601. */
  expiresAt: string;
  /** controller: the controller stops the axis itself (§v2 Jog lease); host: this service's timer does. */
  enforcedBy: 'controller' | 'host';
}

interface Entry {
  id: string;
  axis: AxisRuntime;
  leaseMs: number;
  enforcedBy: 'controller' | 'host';
  expiresAtMs: MonotonicMs;
  /** The service renews it itself (an in-process jog that asked for no lease). */
  keepalive: boolean;
  /** A kept-alive lease whose link is down: the controller keeps timing it, and renewals wait for the link. */
  suspended: boolean;
  cancelTimer: () => void;
}

export interface JogLeaseActions {
  /** The host's dead-man: stop the axis (its lease ran out and the controller does not time it). */
  stop(axis: AxisRuntime): Promise<void>;
  /** Renew on the controller (native leases). */
  renew(axis: AxisRuntime, leaseMs: number): Promise<void>;
}

export class JogLeases {
  private readonly byAxis = new Map<string, Entry>();

  constructor(
    private readonly ctx: MotionContext,
    private readonly actions: JogLeaseActions,
  ) {}

  /** A jog was accepted: its lease starts now (replacing any earlier one of the axis). */
  started(
    axis: AxisRuntime,
    leaseMs: number,
    enforcedBy: 'controller' | 'host',
    keepalive = false,
  ): JogLease | undefined {
    this.end(axis);
    const entry: Entry = {
      id: randomUUID(),
      axis,
      leaseMs,
      enforcedBy,
      expiresAtMs: this.ctx.clock.monotonicMs(),
      keepalive,
      suspended: false,
      cancelTimer: () => {},
    };
    this.byAxis.set(axis.name, entry);
    this.arm(entry);
    return keepalive ? undefined : this.view(entry);
  }

  /**
   * Renews the axis's lease `id` for its leaseMs from now. JOG_LEASE_NOT_FOUND when the axis has no such
   * lease (it ran out, was replaced or ended by a stop): the client must start a new jog.
   */
  async renew(axisName: string, id: string): Promise<JogLease> {
    const entry = this.byAxis.get(axisName);
    if (!entry || entry.id !== id || entry.keepalive) throw leaseNotFound(axisName, id);
    if (entry.enforcedBy === 'controller') {
      try {
        await this.actions.renew(entry.axis, entry.leaseMs);
      } catch (error) {
        // §v2 Jog lease: ERR STATE, the axis no longer jogs (the controller's lease ran out first).
        if (this.byAxis.get(axisName) === entry) this.end(entry.axis);
        if (error instanceof MotionError && error.code === 'AXIS_BUSY') throw leaseNotFound(axisName, id);
        throw error;
      }
    }
    if (this.byAxis.get(axisName) !== entry) throw leaseNotFound(axisName, id);
    this.arm(entry);
    return this.view(entry);
  }

  /** The axis's jog ended (stop, another command, e-stop, fault, LEASE, link loss): forget its lease. */
  end(axis: AxisRuntime): void {
    const entry = this.byAxis.get(axis.name);
    if (!entry) return;
    entry.cancelTimer();
    this.byAxis.delete(axis.name);
  }

  /** Every lease of a controller's axes (its link went down, or an e-stop). */
  endAll(axes: readonly AxisRuntime[] = [...this.ctx.axes.values()]): void {
    for (const axis of axes) this.end(axis);
  }

  /**
   * The link to these axes went down. A client's lease ends (its renewals cannot reach the controller, so
   * the controller's own lease stops the axis: the dead-man holds). A kept-alive lease waits for the link
   * instead: a v2 controller keeps jogging and timing the lease across a new HELLO (§v2 Negotiation), and
   * a running line's belt must not stop because a noisy cable cost one session.
   */
  suspendAll(axes: readonly AxisRuntime[]): void {
    for (const axis of axes) {
      const entry = this.byAxis.get(axis.name);
      if (!entry) continue;
      if (!entry.keepalive) {
        this.end(axis);
        continue;
      }
      entry.cancelTimer();
      entry.cancelTimer = () => {};
      entry.suspended = true;
    }
  }

  /**
   * The link is back and `axis` read `stillMoving`: a suspended kept-alive lease is renewed at once (and
   * ends if the controller says the axis no longer jogs, or its lease ran out meanwhile); one whose axis
   * stands still, or whose controller rebooted, is forgotten.
   */
  resume(axis: AxisRuntime, stillMoving: boolean): void {
    const entry = this.byAxis.get(axis.name);
    if (!entry?.suspended) return;
    entry.suspended = false;
    if (stillMoving) this.renewKeepalive(entry);
    else this.end(axis);
  }

  // ---- internals ----

  private arm(entry: Entry): void {
    entry.cancelTimer();
    const now = this.ctx.clock.monotonicMs();
    entry.expiresAtMs = (now + entry.leaseMs) as MonotonicMs;
    if (entry.keepalive) {
      // Renew well before the controller's lease runs out.
      entry.cancelTimer = this.ctx.clock.after(Math.floor(entry.leaseMs / 3), () =>
        this.renewKeepalive(entry),
      );
      return;
    }
    entry.cancelTimer = this.ctx.clock.after(entry.leaseMs, () => {
      if (this.byAxis.get(entry.axis.name) !== entry) return;
      this.byAxis.delete(entry.axis.name);
      // The controller stops it and reports LEASE; the host stops it where the controller cannot.
      if (entry.enforcedBy === 'controller') return;
      this.ctx.log.warn({ axis: entry.axis.name, leaseMs: entry.leaseMs }, 'motion.jog.lease_expired');
      this.ctx.emit({
        type: 'device',
        controller: entry.axis.controller.config.id,
        axis: entry.axis.name,
        event: 'LEASE',
        fields: { enforcedBy: 'host', leaseMs: entry.leaseMs },
      });
      this.actions.stop(entry.axis).catch((error: unknown) => {
        this.ctx.log.error({ axis: entry.axis.name, err: error }, 'motion.jog.lease_stop_failed');
      });
    });
  }

  /**
   * Renews a kept-alive lease. ERR STATE (the axis no longer jogs) ends it; any other failure (a timeout,
   * a busy link) may have left it running, so it is tried again soon while the lease has time left.
   */
  private renewKeepalive(entry: Entry): void {
    if (this.byAxis.get(entry.axis.name) !== entry) return;
    this.actions.renew(entry.axis, entry.leaseMs).then(
      () => {
        if (this.byAxis.get(entry.axis.name) === entry) this.arm(entry);
      },
      (error: unknown) => {
        if (this.byAxis.get(entry.axis.name) !== entry) return;
        const over = error instanceof MotionError && error.code === 'AXIS_BUSY';
        const expired = this.ctx.clock.monotonicMs() >= entry.expiresAtMs;
        if (over || expired) this.end(entry.axis);
        else
          entry.cancelTimer = this.ctx.clock.after(Math.floor(entry.leaseMs / 10), () =>
            this.renewKeepalive(entry),
          );
      },
    );
  }

  private view(entry: Entry): JogLease {
    const remainingMs = entry.expiresAtMs - this.ctx.clock.monotonicMs();
    return {
      id: entry.id,
      leaseMs: entry.leaseMs,
      expiresAt: new Date(this.ctx.clock.epochMs() + remainingMs).toISOString(),
      enforcedBy: entry.enforcedBy,
    };
  }
}

function leaseNotFound(axis: string, id: string): MotionError {
  return new MotionError(
    'JOG_LEASE_NOT_FOUND',
    `${axis} has no jog lease ${id}: it ran out, was replaced, or the jog was stopped`,
    { axis, leaseId: id },
  );
}
