// A v2 host on a noisy pty (socat + native bindings) and the checks the pty fault tests share:
// a stream of moves, every outcome exactly once, execution in order, nothing forged.

import type { EventFrame } from '@servo-edge/firmware-protocol';
import { expect } from 'vitest';
import { connectHost, type StreamHost, withTimeout } from '../../test-support/host-over-stream.js';
import { ptyTransport, type TransportRig } from '../../test-support/transports.js';

/** 1 % of bytes with a bit flipped, 0.1 % dropped, 0.1 % duplicated, both ways (fault-v2.test.ts's line). */
export const NOISY = { corruptRate: 0.01, dropRate: 0.001, duplicateRate: 0.001 };
/** qd above the host's flow-control bound (ev - ev/4 = 12 outcomes owed), so no move is ever QFULL. The noise
 * seed is printed and can be changed with SERVO_EDGE_PTY_SEED to try other damage patterns. */
export const SPEC = { axes: 3, queueDepth: 16, seed: Number(process.env.SERVO_EDGE_PTY_SEED ?? 12) };
export const V2_HOST = { maxProtocol: 2, replyTimeoutMs: 150 } as const;
/** Requests in flight at once; the host's window and flow control pace the rest. */
export const IN_FLIGHT = 8;

export interface Stream {
  /** Seqs of the MOVEs the host sent, in order (one per accepted move). */
  sent: number[];
  /** The seqs whose MOVE was refused or failed (none are expected). */
  failed: string[];
}

export const isOutcome = (e: EventFrame) => e.event === 'DONE' || e.event === 'ABORTED';
export const seqOf = (e: EventFrame) => (e.fields as { seq: number }).seq;

/**
 * Moves `count` times: axes 1 and 2 back and forth by 100 counts, and every tenth move a slow one on axis
 * 3 that a STOP right behind it aborts. At most IN_FLIGHT requests wait at once.
 */
export async function runMoves(host: StreamHost, count: number, stream: Stream): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  const issue = (promise: Promise<unknown>) => {
    const tracked = promise.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  // A stall fails at once with the session's state, rather than as the test's timeout with no clue.
  const untilSettled = () =>
    withTimeout(
      Promise.race(pending),
      STALL_MS,
      `a request to settle (${describeStall(host, stream, pending.size)})`,
    );
  for (let i = 0; i < count; i++) {
    while (pending.size >= IN_FLIGHT) await untilSettled();
    const aborted = i % 10 === 9;
    const axis = aborted ? 3 : 1 + (i % 2);
    const pos = aborted ? (i % 20 < 10 ? 100_000 : -100_000) : i % 4 < 2 ? 100 : 0;
    const speed = aborted ? { vel: 1000, acc: 2_000_000 } : { vel: 50_000, acc: 2_000_000 };
    issue(
      host.session
        .request('MOVE', { axis, pos, ...speed }, { onSent: (seq) => stream.sent.push(seq) })
        .then((reply) => {
          if (!reply.ok) stream.failed.push(`move ${i}: ${reply.code}`);
        }),
    );
    if (aborted) issue(host.session.request('STOP', { axis: 3 }));
  }
  while (pending.size > 0) await untilSettled();
}

/** No request settling for this long is a stall, whatever the machine's load (a retransmission takes 150 ms). */
const STALL_MS = 30_000;

function describeStall(host: StreamHost, stream: Stream, waiting: number): string {
  const s = host.session;
  const st = s.stats;
  return (
    `${waiting} waiting, ${stream.sent.length} moves sent, session ${s.state}, ${s.outstandingCount} outstanding, ` +
    `${host.events.length} events, ${host.lost.length} lost sessions, frames ${st.framesSent}, retransmits ` +
    `${st.retransmits}, timeouts ${st.timeouts}, delivered ${st.eventsDelivered}, acks ${st.acksSent}`
  );
}

/** Waits until every sent move has its outcome (bounded), then checks each arrived exactly once. */
export async function expectEveryOutcomeOnce(
  host: StreamHost,
  sent: readonly number[],
  from = 0,
): Promise<void> {
  const owed = new Set(sent);
  await withTimeout(
    (async () => {
      for (let seen = from; owed.size > 0; ) {
        await host.waitForEvent(() => host.events.length > seen, 10_000, seen);
        for (; seen < host.events.length; seen++) {
          const e = host.events[seen]!;
          if (isOutcome(e)) owed.delete(seqOf(e));
        }
      }
    })(),
    20_000,
    `${owed.size} outcomes`,
  );
  const outcomes = host.events.slice(from).filter(isOutcome).map(seqOf);
  expect(outcomes.length).toBe(sent.length);
  expect(new Set(outcomes).size).toBe(sent.length);
}

/**
 * The device ran each MOVE of `sent` exactly once, in the host's order, in its current session (a HELLO
 * retransmitted on the noisy line starts another, so sessions are not counted).
 */
export function expectExecutedInOrder(rig: TransportRig, sent: readonly number[]): void {
  const session = rig.controller.executed.at(-1)?.session;
  const moves = rig.controller.executed
    .filter((e) => e.session === session && e.verb === 'MOVE')
    .map((e) => e.seq);
  expect(moves).toEqual(sent);
}

export function expectNothingForged(host: StreamHost, rig: TransportRig): void {
  expect(host.events.filter((e) => e.event === 'ESTOP' || e.event === 'FAULT')).toEqual([]);
  expect(rig.controller.status).toMatchObject({ estopLatched: false, watchdogFaultLatched: false });
}

export async function withNoisyPty(body: (rig: TransportRig, host: StreamHost) => Promise<void>) {
  const rig = await ptyTransport.rig(SPEC);
  const host = await connectHost(rig.port(), V2_HOST);
  try {
    await host.session.start();
    for (const axis of [1, 2, 3]) await host.session.request('ENABLE', { axis });
    Object.assign(rig.controller.faults, NOISY);
    await body(rig, host);
  } finally {
    Object.assign(rig.controller.faults, { corruptRate: 0, dropRate: 0, duplicateRate: 0 });
    await host.close();
    await rig.close();
  }
}
