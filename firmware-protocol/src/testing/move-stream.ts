// A plant-like run for fault tests: a HostSession streams MOVEs to a recording device over one lossy
// line per direction, on a ManualClock. The device finishes each move some ms later with DONE (or
// ABORTED); the run counts what was executed, which outcomes reached the host, and what went wrong.
// The host reconnects after a lost session, as a controller link would.

import type { MonotonicMs } from '@servo-edge/common/clock';
import { ManualClock } from '@servo-edge/common/testing';
import { HostSession, type HostSessionOptions } from '../session/host-session.js';
import type { EventFrame } from '../wire/frames.js';
import type { ProtocolVersion } from '../wire/messages.js';
import { createLossyLine, type LineFaults } from './lossy-link.js';
import { seededRandom } from './random.js';
import { createRecordingDevice, type RecordingDevice } from './recording-device.js';

export interface MoveStreamOptions {
  seed: number;
  moves: number;
  /** The same faults in both directions. */
  faults: LineFaults;
  hostProtocol: ProtocolVersion;
  deviceProtocol: ProtocolVersion;
  /** The device finishes a move this long after executing it. Default 3 ms. */
  moveOutcomeAfterMs?: number;
  /** Every n-th move ends ABORTED instead of DONE. Default 10. */
  abortEvery?: number;
  /** The device's event window (§v2 Events). Default 16. */
  eventWindow?: number;
  /** Requests the host keeps queued. Default 64. */
  maxOutstanding?: number;
  hostOptions?: Partial<HostSessionOptions>;
  /** Called before every step; tests use it to reboot the device or cut the line. */
  onStep?(run: MoveStreamContext): void;
  /** After the last request settles, how long to wait for outcomes still on their way. Default 3000 ms. */
  settleMs?: number;
}

export interface MoveStreamContext {
  clock: ManualClock;
  host: HostSession;
  device: RecordingDevice;
  submitted: number;
  settled: number;
  /** Drop everything written in that direction while true (an unplugged cable). */
  cut: { toDevice: boolean; toHost: boolean };
  /** If set, a host write it returns false for is dropped (a host that, say, never acknowledges). */
  dropToDevice?: (bytes: Buffer) => boolean;
  /** Every event the device put on the wire, by name (what it emitted, delivered or not). */
  emitted: Record<string, number>;
}

export interface MoveStreamResult {
  seed: number;
  host: HostSession;
  device: RecordingDevice;
  /** Session losses the host reported, by code. */
  lostSessions: string[];
  /** Requests that settled with an OK reply, and those rejected (by code). */
  accepted: number;
  rejected: Record<string, number>;
  /** Move indices in the order the device executed them. */
  executed: number[];
  /** Executed moves whose DONE/ABORTED never reached the host, and outcomes delivered more than once. */
  missingOutcomes: number;
  duplicateOutcomes: number;
  /** Outcomes delivered, by event. */
  delivered: { DONE: number; ABORTED: number };
  /** OVERFLOW events delivered, and the sum of their `lost`. */
  overflows: number;
  overflowLost: number;
  /** Events the device emitted, by name. */
  emitted: Record<string, number>;
  /** Every event the host delivered, in order. */
  events: EventFrame[];
  /** Stops the device took from the line (forged ones, in these runs) and its watchdog trips. */
  stops: number;
  watchdogTrips: number;
  corruptedBytes: number;
  simulatedMs: number;
}

export async function runMoveStream(options: MoveStreamOptions): Promise<MoveStreamResult> {
  const clock = new ManualClock();
  const random = seededRandom(options.seed);
  const cut = { toDevice: false, toHost: false };
  let host: HostSession | undefined;
  // 1. One faulty line per direction; a cut direction loses everything written to it.
  const toHost = createLossyLine(clock, random, options.faults, (chunk) => host!.receive(chunk));
  const device = createRecordingDevice(clock, {
    write: (bytes) => {
      if (!cut.toHost) toHost.write(bytes);
    },
    maxProtocol: options.deviceProtocol,
    identity: { eventWindow: options.eventWindow ?? 16 },
    moveOutcomeAfterMs: options.moveOutcomeAfterMs ?? 3,
    abortEvery: options.abortEvery ?? 10,
    features: { trig: true, lease: true },
  });
  const toDevice = createLossyLine(clock, random, options.faults, (chunk) => device.session.receive(chunk));
  let ctx: MoveStreamContext;
  const lostSessions: string[] = [];
  const outcomesBySeq = new Map<number, number>();
  const delivered = { DONE: 0, ABORTED: 0 };
  let overflows = 0;
  let overflowLost = 0;
  const events: EventFrame[] = [];
  const onEvent = (event: EventFrame) => {
    events.push(event);
    if (event.event === 'DONE' || event.event === 'ABORTED') {
      delivered[event.event]++;
      outcomesBySeq.set(event.fields.seq, (outcomesBySeq.get(event.fields.seq) ?? 0) + 1);
    } else if (event.event === 'OVERFLOW') {
      overflows++;
      overflowLost += event.fields.lost;
    }
  };
  host = new HostSession({
    clock,
    write: (bytes) => {
      if (!cut.toDevice && !ctx.dropToDevice?.(bytes)) toDevice.write(bytes);
    },
    onEvent,
    onSessionLost: (error) => lostSessions.push(error.code),
    maxProtocol: options.hostProtocol,
    ...options.hostOptions,
  });
  device.session.boot();
  clock.advanceBy(50); // let BOOT arrive first, as after power-up

  // 2. Keep the host busy with MOVEs (MOVE i goes to position i); reconnect whenever the session is lost.
  let accepted = 0;
  const rejected: Record<string, number> = {};
  const emitted: Record<string, number> = {};
  const emit = device.session.emit.bind(device.session);
  device.session.emit = ((event, fields) => {
    emitted[event] = (emitted[event] ?? 0) + 1;
    emit(event, fields);
  }) as typeof device.session.emit;
  ctx = { clock, host, device, submitted: 0, settled: 0, cut, emitted };
  let lastSettledAtMs = 0;
  const maxOutstanding = options.maxOutstanding ?? 64;
  const settleMs = options.settleMs ?? 3000;
  const deadline = () =>
    [clock.nextTimerAtMs(), host!.nextDeadlineMs(), device.session.nextDeadlineMs()]
      .filter((t): t is MonotonicMs => t !== undefined)
      .reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
  const allOutcomesIn = () =>
    device.executed.every((e) => e.command.verb !== 'MOVE' || outcomesBySeq.has(e.seq));
  let steps = 0;
  for (;;) {
    options.onStep?.(ctx);
    if (host.state === 'idle' || host.state === 'lost') host.start().catch(() => {});
    if (host.state === 'ready') {
      while (ctx.submitted < options.moves && ctx.submitted - ctx.settled < maxOutstanding) {
        const index = ctx.submitted++;
        host.request('MOVE', { axis: 1, pos: index, vel: 1000, acc: 1000 }).then(
          (reply) => {
            if (reply.ok) accepted++;
            else rejected[reply.code] = (rejected[reply.code] ?? 0) + 1;
            ctx.settled++;
            lastSettledAtMs = clock.monotonicMs();
          },
          (error: { code: string }) => {
            rejected[error.code] = (rejected[error.code] ?? 0) + 1;
            ctx.settled++;
            lastSettledAtMs = clock.monotonicMs();
          },
        );
      }
    }
    if (++steps % 64 === 0) await Promise.resolve();
    if (ctx.submitted === options.moves && ctx.settled === options.moves) {
      if (allOutcomesIn() || clock.monotonicMs() >= lastSettledAtMs + settleMs) break;
    }
    const next = deadline();
    if (!Number.isFinite(next)) throw new Error(`nothing scheduled at step ${steps} (seed ${options.seed})`);
    clock.advanceTo(Math.max(next, clock.monotonicMs()));
    host.tick();
    device.session.tick();
  }

  // 3. Count.
  const executedMoves = device.executed.filter((e) => e.command.verb === 'MOVE');
  let missingOutcomes = 0;
  let duplicateOutcomes = 0;
  for (const e of executedMoves) {
    const count = outcomesBySeq.get(e.seq) ?? 0;
    if (count === 0) missingOutcomes++;
    if (count > 1) duplicateOutcomes += count - 1;
  }
  return {
    seed: options.seed,
    host,
    device,
    lostSessions,
    accepted,
    rejected,
    executed: executedMoves.map((e) => (e.command.verb === 'MOVE' ? e.command.args.pos : -1)),
    missingOutcomes,
    duplicateOutcomes,
    delivered,
    overflows,
    overflowLost,
    emitted: ctx.emitted,
    events,
    stops: device.estops.length,
    watchdogTrips: device.watchdogTrips,
    corruptedBytes: toDevice.counts.corrupted + toHost.counts.corrupted,
    simulatedMs: clock.monotonicMs(),
  };
}

/** One line for the test log, so a run's outcome can be quoted. */
export function summarise(label: string, r: MoveStreamResult): string {
  const rejected = Object.entries(r.rejected)
    .map(([code, n]) => `${code}=${n}`)
    .join(' ');
  return (
    `${label} seed=${r.seed}: executed=${r.executed.length} accepted=${r.accepted} rejected={${rejected}} ` +
    `outcomes done=${r.delivered.DONE} aborted=${r.delivered.ABORTED} missing=${r.missingOutcomes} ` +
    `duplicate=${r.duplicateOutcomes} lostSessions=${r.lostSessions.length} stops=${r.stops} ` +
    `watchdog=${r.watchdogTrips} corruptedBytes=${r.corruptedBytes} retransmits=${r.host.stats.retransmits} ` +
    `eventRetransmits=${r.device.session.stats.eventRetransmits} simulated=${(r.simulatedMs / 1000).toFixed(1)}s`
  );
}
