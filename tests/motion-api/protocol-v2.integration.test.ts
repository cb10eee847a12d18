// The motion API on a protocol v2 link to the simulator (PROTOCOL.md §v2), over the in-process binding
// and over a real pty: the version and features in GET /controllers, a line damaged both ways on which
// every move still runs exactly once and ends done (never unknown, the session kept), a jog whose lease
// is not renewed stopped by the controller, and a move fired by the controller when the conveyor passes
// a position. Real time: every wait is event-driven with a bounded timeout.

import type { MoveRecord } from '@servo-edge/motion-api';
import { describe, expect, it } from 'vitest';
import { AS_OPERATOR, type Rig, serviceReaches, TRANSPORTS } from './support/rigs.js';

const CONVEYOR_COUNTS_PER_MM = 100;

async function post(rig: Rig, url: string, payload?: unknown) {
  const response = await rig.app.inject({
    method: 'POST',
    url,
    headers: AS_OPERATOR,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  // 204 (a renewed lease) has no body.
  const body = response.body === '' ? {} : (response.json() as Record<string, unknown>);
  return { status: response.statusCode, body };
}

describe.each(TRANSPORTS)('motion API on a v2 link over $name', (transport) => {
  const test = transport.skipReason ? it.skip : it;

  async function withRig(
    body: (rig: Rig) => Promise<void>,
    options = {},
    patch?: (raw: Record<string, unknown>) => void,
  ) {
    const rig = await transport.rig({ axes: 2, protocol: 2, ...options }, patch);
    try {
      await body(rig);
    } finally {
      await rig.close();
    }
  }

  test('negotiates v2: GET /controllers says proto 2, TRIG, TSTEP and LEASE, exactly-once events', async () => {
    await withRig(async (rig) => {
      const response = await rig.app.inject({
        method: 'GET',
        url: '/api/v1/controllers',
        headers: AS_OPERATOR,
      });
      expect(response.json()).toMatchObject({
        controllers: [
          {
            proto: 2,
            features: ['TRIG', 'TSTEP', 'LEASE'],
            missingFeatures: [],
            capabilities: {
              protocol: 'servo-edge/2',
              eventDelivery: 'exactly-once',
              positionTriggeredMoves: true,
              positionTriggeredSteps: true,
              jogLease: 'native',
            },
          },
        ],
      });
    });
  });

  test('a line damaged both ways (1% of bytes): every move runs exactly once and ends done, none unknown', async () => {
    await withRig(async (rig) => {
      expect((await post(rig, '/api/v1/axes/conveyor/enable')).status).toBe(200);
      // §v2 Stop: a flipped bit cannot forge the stop any more, so the damage goes both ways.
      rig.controller.faults.direction = 'both';
      rig.controller.faults.corruptRate = 0.01;
      const ids: string[] = [];
      const targets: number[] = [];
      for (let i = 1; i <= 40; i++) {
        const answer = await post(rig, '/api/v1/axes/conveyor/move', { position: i, velocity: 2000 });
        // §v2 Liveness: noise costs retransmissions, not the session, so every move is accepted.
        expect({ i, status: answer.status, code: answer.body.code }).toMatchObject({ status: 202 });
        ids.push(answer.body.moveId as string);
        targets.push(i * CONVEYOR_COUNTS_PER_MM);
      }
      const records = () => ids.map((id) => rig.service.getMove(id));
      await serviceReaches(
        rig.service,
        () => records().every((r) => r.status !== 'sending' && r.status !== 'queued'),
        'every move to end',
        30_000,
      );
      rig.controller.faults.corruptRate = 0;
      // §v2 Events: every outcome arrived, so every move is done; none unknown.
      const statuses = records().map((r: MoveRecord) => r.status);
      expect(statuses.filter((s) => s !== 'done')).toEqual([]);
      const executed = rig.controller.executed
        .filter((e) => e.verb === 'MOVE' && e.args.axis === 1)
        .map((e) => e.args.pos as number);
      expect(executed).toEqual(targets);
      const health = rig.service.controllers()[0]!;
      expect(health.sessions).toBe(1);
      expect(health.retransmits + health.crcErrors + health.linkErrorReplies).toBeGreaterThan(0);
      expect(rig.controller.status.estopLatched).toBe(false);
    });
  });

  test('a jog lease renewed keeps the axis going; not renewed, the controller stops it and says LEASE', async () => {
    await withRig(async (rig) => {
      expect((await post(rig, '/api/v1/axes/conveyor/enable')).status).toBe(200);
      const jog = await post(rig, '/api/v1/axes/conveyor/jog', { velocity: 100, leaseMs: 1000 });
      expect(jog.body).toMatchObject({ lease: { leaseMs: 1000, enforcedBy: 'controller' } });
      const leaseId = (jog.body.lease as { id: string }).id;
      // 1. Renewed every 400 ms for 1.6 s: still jogging well past the first expiry.
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect((await post(rig, '/api/v1/axes/conveyor/jog/renew', { leaseId })).status).toBe(204);
      }
      expect(rig.controller.axis(1).motion).toBe('jog');
      // 2. No more renewals: the controller's own timer stops the axis (§v2 Jog lease).
      const stoppedAtMs = performance.now();
      let leaseEvent = false;
      const unsubscribe = rig.service.subscribe((e) => {
        if (e.type === 'device' && e.event === 'LEASE') leaseEvent = true;
      });
      await serviceReaches(rig.service, () => leaseEvent, 'the LEASE event', 5000);
      unsubscribe();
      // Within the lease plus the reply time, with slack for a loaded machine.
      expect(performance.now() - stoppedAtMs).toBeLessThan(1000 + 100 + 1000);
      await serviceReaches(
        rig.service,
        () => rig.controller.axis(1).velocityCountsPerS === 0,
        'standstill',
        5000,
      );
      // 3. The API follows the ramp-down to its end: no DONE says when a jog stopped, so it reads on.
      await serviceReaches(
        rig.service,
        () => rig.service.axis('conveyor').state === 'IDLE',
        'the API showing IDLE',
        5000,
      );
      const renew = await post(rig, '/api/v1/axes/conveyor/jog/renew', { leaseId });
      expect(renew).toMatchObject({ status: 404, body: { code: 'JOG_LEASE_NOT_FOUND' } });
    });
  });

  test('a move triggered by the conveyor position: armed ahead, STARTED with the device time, then done', async () => {
    await withRig(async (rig) => {
      expect((await post(rig, '/api/v1/axes/conveyor/enable')).status).toBe(200);
      expect((await post(rig, '/api/v1/axes/arm/enable')).status).toBe(200);
      // 1. Armed before the conveyor moves: the arm goes to 30 deg once the conveyor passes 50 mm upward.
      const armed = await post(rig, '/api/v1/axes/arm/move', {
        position: 30,
        trigger: { axis: 'conveyor', position: 50, direction: 'increasing' },
      });
      expect(armed.status).toBe(202);
      const moveId = armed.body.moveId as string;
      expect(rig.controller.axis(2).armed).toBe(true);
      // 2. The conveyor runs through the trigger position.
      const conveyor = await post(rig, '/api/v1/axes/conveyor/move?wait=true', {
        position: 100,
        velocity: 500,
      });
      expect(conveyor.status).toBe(200);
      await serviceReaches(
        rig.service,
        () => rig.service.getMove(moveId).status === 'done',
        'the arm move done',
      );
      const leg = rig.service.getMove(moveId).legs[0]!;
      expect(leg).toMatchObject({
        trigger: { axis: 'conveyor', position: 50, direction: 'increasing' },
        finalPosition: 30,
      });
      expect(leg.started?.deviceTimeMs).toEqual(expect.any(Number));
    });
  });

  test('triggered steps (distanceFrom trigger): each counts from where the axis stands when it fires, a LATE one is not made up', async () => {
    await withRig(async (rig) => {
      expect((await post(rig, '/api/v1/axes/conveyor/enable')).status).toBe(200);
      expect((await post(rig, '/api/v1/axes/arm/enable')).status).toBe(200);
      const step = (position: number) =>
        post(rig, '/api/v1/axes/arm/move', {
          distance: 10,
          trigger: { axis: 'conveyor', position, direction: 'increasing', distanceFrom: 'trigger' },
        });
      // 1. A position with distanceFrom trigger is refused with a reason; nothing reaches the controller.
      const refused = await post(rig, '/api/v1/axes/arm/move', {
        position: 10,
        trigger: { axis: 'conveyor', position: 20, direction: 'increasing', distanceFrom: 'trigger' },
      });
      expect(refused).toMatchObject({ status: 422, body: { code: 'INVALID_MOVE' } });
      // 2. The first step's trigger is already passed (the conveyor stands at 0): LATE. Two more fire.
      const ids: string[] = [];
      // Steps 60 mm apart at 200 mm/s: each arm step (~0.1 s) is over before the next trigger comes.
      for (const at of [0, 20, 80]) {
        const answer = await step(at);
        expect(answer.status).toBe(202);
        ids.push(answer.body.moveId as string);
      }
      const conveyor = await post(rig, '/api/v1/axes/conveyor/move?wait=true', {
        position: 120,
        velocity: 200,
      });
      expect(conveyor.status).toBe(200);
      await serviceReaches(
        rig.service,
        () => rig.service.getMove(ids[2]!).status === 'done',
        'the last step',
      );
      const [late, first, second] = ids.map((id) => rig.service.getMove(id));
      expect(late).toMatchObject({ status: 'aborted', error: { reason: 'LATE' } });
      // 0 -> 10 -> 20: each step one distance from the last executed one.
      expect([first!.legs[0]!.finalPosition, second!.legs[0]!.finalPosition]).toEqual([10, 20]);
      expect(first!.legs[0]!.trigger).toMatchObject({ distanceFrom: 'trigger' });
      // 10 deg at the arm's 10 counts/deg, sent as a distance each time.
      expect(rig.controller.executed.filter((e) => e.verb === 'TSTEP').map((e) => e.args.dist)).toEqual([
        100, 100, 100,
      ]);
    });
  });
});
