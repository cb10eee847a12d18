// The motion API against the simulator, over the in-process binding and over a real pty: start-up on
// the wire, unplug/replug and reboot mid-stream with every move checked against the simulator's
// executed-command log (none lost, none run twice), a noisy line, and a REST e-stop reaching the
// device while its move queue is full. Real time: every wait is event-driven with a bounded timeout.
// These assert protocol v1 behaviour (events without acknowledgement, the 0x18 stop), so they run on v1
// links: a v1-only device the host (asking for v2) falls back to, and a v2 device spoken to as v1
// (PROTOCOL.md §v2 Negotiation). protocol-v2.integration.test.ts covers v2 links.

import type { MoveRecord } from '@servo-edge/motion-api';
import { describe, expect, it } from 'vitest';
import {
  AS_ADMIN,
  AS_OPERATOR,
  bindingTransport,
  ptyTransport,
  type Rig,
  type RigTransport,
  serviceReaches,
} from './support/rigs.js';

/** The v1 links: which transport, what the device speaks, what the host asks for. */
const V1_LINKS: { name: string; transport: RigTransport; protocol: 1 | 2; maxProtocol: 1 | 2 }[] = [
  {
    name: `a v1-only device over ${bindingTransport.name}`,
    transport: bindingTransport,
    protocol: 1,
    maxProtocol: 2,
  },
  {
    name: `a v1-only device over ${ptyTransport.name}`,
    transport: ptyTransport,
    protocol: 1,
    maxProtocol: 2,
  },
  {
    name: `a v2 device spoken to as v1 over ${bindingTransport.name}`,
    transport: bindingTransport,
    protocol: 2,
    maxProtocol: 1,
  },
];

const CONVEYOR_COUNTS_PER_MM = 100;

interface Attempt {
  targetMm: number;
  moveId: string | undefined;
  http: number;
  code: string | undefined;
  /** Set when the controller refused the MOVE with an ERR reply (it took a seq, but did nothing). */
  deviceCode: string | undefined;
}

/** POST one conveyor move; never throws. */
async function postMove(rig: Rig, targetMm: number, velocity: number): Promise<Attempt> {
  const response = await rig.app.inject({
    method: 'POST',
    url: '/api/v1/axes/conveyor/move',
    headers: AS_OPERATOR,
    payload: { position: targetMm, velocity },
  });
  const body = response.json() as { moveId?: string; code?: string; deviceCode?: string };
  return {
    targetMm,
    moveId: body.moveId,
    http: response.statusCode,
    code: body.code,
    deviceCode: body.deviceCode,
  };
}

function executedMoves(rig: Rig, axis = 1): number[] {
  return rig.controller.executed
    .filter((e) => e.verb === 'MOVE' && e.args.axis === axis)
    .map((e) => e.args.pos as number);
}

/** Waits until no recorded move is sending or queued (they can only become done/aborted/unknown/failed). */
async function settled(rig: Rig, attempts: Attempt[]): Promise<MoveRecord[]> {
  const records = () => attempts.filter((a) => a.moveId).map((a) => rig.service.getMove(a.moveId!));
  await serviceReaches(
    rig.service,
    () => records().every((r) => r.status !== 'sending' && r.status !== 'queued'),
    'every move to settle',
    20_000,
  );
  return records();
}

/**
 * The exactly-once check against the simulator's log. Each attempt has its own target, so the log
 * says how often each was executed: done/aborted exactly once; failed never, unless the controller
 * itself refused it (ERR QFULL: logged once, did nothing); refused before a record existed never;
 * unknown at most once; and nothing was executed that was not asked for.
 */
function checkAgainstLog(rig: Rig, attempts: Attempt[]): Record<string, number> {
  const log = executedMoves(rig);
  const runs = new Map<number, number>();
  for (const pos of log) runs.set(pos, (runs.get(pos) ?? 0) + 1);
  const tally: Record<string, number> = {};
  for (const attempt of attempts) {
    const recorded = attempt.moveId ? rig.service.getMove(attempt.moveId).status : 'refused';
    const status = recorded === 'failed' && attempt.deviceCode ? 'refused by device' : recorded;
    tally[status] = (tally[status] ?? 0) + 1;
    const count = runs.get(Math.round(attempt.targetMm * CONVEYOR_COUNTS_PER_MM)) ?? 0;
    const expected = {
      done: [1],
      aborted: [1],
      failed: [0],
      'refused by device': [1],
      refused: [0],
      unknown: [0, 1],
    }[status as 'done'];
    expect({ target: attempt.targetMm, status, count, ok: expected?.includes(count) }).toMatchObject({
      ok: true,
    });
  }
  const asked = new Set(attempts.map((a) => Math.round(a.targetMm * CONVEYOR_COUNTS_PER_MM)));
  expect(log.filter((pos) => !asked.has(pos))).toEqual([]);
  expect([...runs.values()].every((n) => n === 1)).toBe(true);
  return tally;
}

async function enable(rig: Rig, axis = 'conveyor'): Promise<void> {
  const response = await rig.app.inject({
    method: 'POST',
    url: `/api/v1/axes/${axis}/enable`,
    headers: AS_OPERATOR,
  });
  expect(response.statusCode).toBe(200);
}

describe.each(V1_LINKS)('motion API on $name', ({ transport, protocol, maxProtocol }) => {
  const test = transport.skipReason ? it.skip : it;

  async function withRig(
    body: (rig: Rig) => Promise<void>,
    options = {},
    patch?: (raw: Record<string, unknown>) => void,
  ) {
    const rig = await transport.rig({ axes: 2, protocol, ...options }, (raw) => {
      (raw.controllers as Record<string, unknown>[])[0]!.maxProtocol = maxProtocol;
      patch?.(raw);
    });
    // §v2 Negotiation: whichever side stops at 1, the link speaks exactly v1.
    expect(rig.service.controllers()[0]).toMatchObject({
      proto: 1,
      missingFeatures: ['TRIG', 'TSTEP', 'LEASE'],
    });
    try {
      await body(rig);
    } finally {
      await rig.close();
    }
  }

  test('start-up on the wire: HELLO, WDOG, GET each axis, SET the limits, STREAM; a REST move runs', async () => {
    await withRig(async (rig) => {
      // (HELLO and WDOG are handled by the protocol session itself and do not appear in the log.)
      const lastSession = Math.max(...rig.controller.executed.map((e) => e.session));
      const verbs = rig.controller.executed.filter((e) => e.session === lastSession).map((e) => e.verb);
      expect(verbs).toEqual(['GET', 'GET', ...Array(8).fill('SET'), 'STREAM']);
      expect(rig.controller.status).toMatchObject({ hasSession: true, watchdogMs: 5000, streamHz: 20 });
      expect(rig.controller.axis(1).limits).toMatchObject({
        minCounts: -10_000_000,
        vmaxCountsPerS: 200_000,
      });
      await enable(rig);
      const response = await rig.app.inject({
        method: 'POST',
        url: '/api/v1/axes/conveyor/move?wait=true',
        headers: AS_OPERATOR,
        payload: { position: 12.5 },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'done', legs: [{ finalPosition: 12.5 }] });
      expect(rig.controller.axis(1).positionCounts).toBe(1250);
      const controllers = await rig.app.inject({
        method: 'GET',
        url: '/api/v1/controllers',
        headers: AS_OPERATOR,
      });
      expect(controllers.json()).toMatchObject({
        controllers: [{ state: 'ready', connected: true, sessions: 1 }],
      });
    });
  });

  test('unplug and replug mid-stream: no move lost, none run twice', async () => {
    await withRig(async (rig) => {
      await enable(rig);
      const attempts: Attempt[] = [];
      let target = 0;
      const next = () => {
        target += 5;
        return target;
      };
      // 1. Moves stream in, one after another (5 mm at 200 mm/s: ~35 ms each, so the queue holds some).
      for (let i = 0; i < 10; i++) attempts.push(await postMove(rig, next(), 200));
      // 2. A burst is on its way when the cable is pulled.
      const burst = Array.from({ length: 6 }, () => postMove(rig, next(), 200));
      await serviceReaches(rig.service, () => executedMoves(rig).length >= 12, 'part of the burst executed');
      rig.controller.faults.unplug();
      attempts.push(...(await Promise.all(burst)));
      await serviceReaches(rig.service, () => !rig.service.isReady(), 'the link to go down');
      // 3. Requests while unplugged are refused, certainly not executed.
      for (let i = 0; i < 3; i++) {
        const attempt = await postMove(rig, next(), 200);
        expect({ http: attempt.http, code: attempt.code }).toEqual({
          http: 503,
          code: 'CONTROLLER_DISCONNECTED',
        });
        attempts.push(attempt);
      }
      // 4. Replug: the link comes back by itself (the device kept its session: no reboot).
      rig.controller.faults.replug();
      expect(await rig.service.whenReady(10_000)).toBe(true);
      expect(rig.service.axis('conveyor').positionUncertain).toBe(false);
      for (let i = 0; i < 10; i++) attempts.push(await postMove(rig, next(), 200));
      await settled(rig, attempts);
      const tally = checkAgainstLog(rig, attempts);
      expect(tally.refused).toBe(3);
      // Moves were in flight at the unplug (their fate: unknown), and the stream went on after it.
      expect(tally.unknown).toBeGreaterThanOrEqual(1);
      expect(tally.done).toBeGreaterThanOrEqual(10);
      const health = rig.service.controllers()[0]!;
      // One new session; reconnect attempts while unplugged fail to open the path.
      expect(health.sessions).toBe(2);
      expect(health.reconnects).toBeGreaterThanOrEqual(1);
      expect(['LINK_CLOSED', 'LINK_OPEN_FAILED']).toContain(health.lastError?.code);
    });
  });

  test('a device reboot mid-stream: open moves end unknown, none run twice, axes flagged', async () => {
    await withRig(async (rig) => {
      await enable(rig);
      const attempts: Attempt[] = [];
      let target = 0;
      const next = () => {
        target += 5;
        return target;
      };
      for (let i = 0; i < 5; i++) attempts.push(await postMove(rig, next(), 100));
      rig.controller.faults.reboot();
      await serviceReaches(rig.service, () => !rig.service.isReady(), 'the session to end');
      expect(await rig.service.whenReady(10_000)).toBe(true);
      expect(rig.service.axis('conveyor')).toMatchObject({
        positionUncertain: true,
        homed: false,
        state: 'DISABLED',
      });
      await enable(rig);
      for (let i = 0; i < 5; i++) attempts.push(await postMove(rig, next(), 400));
      await settled(rig, attempts);
      const tally = checkAgainstLog(rig, attempts);
      expect(tally.unknown).toBeGreaterThanOrEqual(1);
      expect(tally.done).toBeGreaterThanOrEqual(5);
    });
  });

  test('a noisy line (0.3% of bytes to the host corrupted): every move runs exactly once', async () => {
    await withRig(
      async (rig) => {
        await enable(rig);
        // Damage on the way to the host only: replies and events. (Toward the device, one flipped bit
        // turns an '8' (0x38) into 0x18, a genuine e-stop that would end the stream; safe, but not this test.)
        rig.controller.faults.direction = 'toHost';
        rig.controller.faults.corruptRate = 0.003;
        const attempts: Attempt[] = [];
        for (let i = 1; i <= 40; i++) attempts.push(await postMove(rig, i, 2000));
        rig.controller.faults.corruptRate = 0;
        await settled(rig, attempts);
        const tally = checkAgainstLog(rig, attempts);
        // A DONE damaged on the line is gone (events are not retransmitted): that move reads unknown.
        // Whatever the noise did (a retransmission storm may even cost the session, the queue may
        // fill while the line is held up), the log above shows nothing ran twice; most moves got through.
        expect(tally.done).toBeGreaterThanOrEqual(20);
        const health = rig.service.controllers()[0]!;
        expect(health.retransmits + health.crcErrors + health.linkErrorReplies).toBeGreaterThan(0);
      },
      {},
      (raw) => {
        // More patience per frame than on a clean line, so a burst of damage does not cost the session.
        (raw.controllers as Record<string, unknown>[])[0]!.maxRetransmits = 12;
      },
    );
  });

  test('a REST e-stop reaches the device while its move queue is full', async () => {
    await withRig(
      async (rig) => {
        await enable(rig);
        // 1. Slow moves until the controller answers QFULL: its queue is full.
        const accepted: string[] = [];
        let full = false;
        for (let i = 1; i <= 20 && !full; i++) {
          const attempt = await postMove(rig, i * 10, 20);
          if (attempt.http === 202) accepted.push(attempt.moveId!);
          else full = attempt.code === 'AXIS_QUEUE_FULL';
        }
        expect(full).toBe(true);
        expect(rig.controller.axis(1).queue.length).toBe(4);
        // 2. E-stop over REST: 0x18 goes out ahead of everything, the device latches and aborts all.
        const estop = await rig.app.inject({ method: 'POST', url: '/api/v1/estop', headers: AS_OPERATOR });
        expect(estop.json()).toEqual({ delivered: true, controllers: [{ id: 'ctrl1', delivered: true }] });
        await serviceReaches(
          rig.service,
          () => accepted.every((id) => rig.service.getMove(id).status === 'aborted'),
          'every queued move aborted',
        );
        expect(rig.controller.status.estopLatched).toBe(true);
        expect(rig.controller.axis(1).queue).toEqual([]);
        expect(rig.controller.axis(1).state).toBe('ESTOP');
        const refused = await postMove(rig, 1, 20);
        expect(refused.code).toBe('AXIS_ESTOP');
        // 3. Reset (admin) clears the latch on the device.
        const reset = await rig.app.inject({ method: 'POST', url: '/api/v1/estop/reset', headers: AS_ADMIN });
        expect(reset.statusCode).toBe(200);
        expect(rig.controller.status.estopLatched).toBe(false);
      },
      { queueDepth: 4 },
    );
  });
});
