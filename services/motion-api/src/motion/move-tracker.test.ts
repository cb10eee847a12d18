// MoveTracker: a move's life from request to outcome, matching by (controller, seq), lost sight,
// waiters and the bounded history.

import { describe, expect, it } from 'vitest';
import { aggregate, type MoveRecord, MoveTracker, type NewLeg } from './move-tracker.js';

const leg = (axis: string, controller = 'c1'): NewLeg => ({
  axis,
  controller,
  targetPosition: 10,
  velocity: 1,
  acceleration: 1,
  countsPerUnit: 100,
});

function tracker(historySize = 10) {
  const changes: string[] = [];
  const t = new MoveTracker({ historySize, onChange: (r) => changes.push(r.status) });
  return { t, changes };
}

describe('MoveTracker', () => {
  it('sending -> queued -> done, settled by DONE for its (controller, seq)', () => {
    const { t, changes } = tracker();
    const m = t.create('single', [leg('x')]);
    t.bindSeq(m.moveId, 0, 7, 7);
    t.accepted(m.moveId, 0);
    expect(t.openCount('x')).toBe(1);
    expect(t.reported('c2', 7, 'done', 1000)).toBe(false); // another controller's seq 7
    expect(t.reported('c1', 7, 'done', 1000)).toBe(true);
    expect(t.get(m.moveId)).toMatchObject({ status: 'done', legs: [{ status: 'done', finalPosition: 10 }] });
    expect(changes).toEqual(['sending', 'queued', 'done']);
    expect(t.openCount('x')).toBe(0);
  });

  it('a DONE decoded before the OK resolves leaves the move done', () => {
    const { t } = tracker();
    const m = t.create('single', [leg('x')]);
    t.bindSeq(m.moveId, 0, 3, 3);
    t.reported('c1', 3, 'done', 0);
    t.accepted(m.moveId, 0);
    expect(t.get(m.moveId)?.status).toBe('done');
  });

  it('lost sight: queued legs become unknown, and a later DONE still upgrades them', () => {
    const { t } = tracker();
    const m = t.create('single', [leg('x')]);
    t.bindSeq(m.moveId, 0, 3, 3);
    t.accepted(m.moveId, 0);
    t.lostSight('c1', 'unplugged');
    expect(t.get(m.moveId)).toMatchObject({ status: 'unknown', error: { code: 'MOVE_OUTCOME_UNKNOWN' } });
    t.reported('c1', 3, 'aborted', 500);
    expect(t.get(m.moveId)).toMatchObject({ status: 'aborted', legs: [{ finalPosition: 5 }] });
  });

  it('after a reboot nothing can upgrade an unknown leg', () => {
    const { t } = tracker();
    const m = t.create('single', [leg('x')]);
    t.bindSeq(m.moveId, 0, 3, 3);
    t.accepted(m.moveId, 0);
    t.forgetController('c1', 'rebooted');
    expect(t.reported('c1', 3, 'done', 0)).toBe(false);
    expect(t.get(m.moveId)?.status).toBe('unknown');
  });

  it('waiters hear the first answer, or the state at their timeout', async () => {
    const { t } = tracker();
    const m = t.create('single', [leg('x')]);
    const never = new Promise<void>(() => {});
    const waiting = t.wait(m.moveId, never);
    t.failed(m.moveId, 0, 'failed', { code: 'AXIS_QUEUE_FULL', detail: 'QFULL' });
    await expect(waiting).resolves.toMatchObject({ status: 'failed', error: { code: 'AXIS_QUEUE_FULL' } });
    const m2 = t.create('single', [leg('x')]);
    await expect(t.wait(m2.moveId, Promise.resolve())).resolves.toMatchObject({ status: 'sending' });
  });

  it('forgets the oldest answered moves beyond historySize', () => {
    const { t } = tracker(2);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = t.create('single', [leg('x')]);
      t.failed(m.moveId, 0, 'failed', { code: 'AXIS_BUSY', detail: '' });
      ids.push(m.moveId);
    }
    expect(ids.map((id) => t.get(id)?.status)).toEqual([undefined, 'failed', 'failed']);
    expect(t.size).toBe(2);
  });

  it('a coordinated move reports its legs together', () => {
    const { t } = tracker();
    const m: MoveRecord = t.create('coordinated', [leg('x'), leg('y')]);
    t.bindSeq(m.moveId, 0, 1, 1);
    t.bindSeq(m.moveId, 1, 2, 2);
    t.accepted(m.moveId, 0);
    t.accepted(m.moveId, 1);
    t.reported('c1', 1, 'done', 0);
    expect(t.get(m.moveId)?.status).toBe('queued');
    t.reported('c1', 2, 'done', 0);
    expect(t.get(m.moveId)?.status).toBe('done');
  });

  it('reconcile: legs sent before a GET beyond its q have finished unheard and become unknown', () => {
    const { t } = tracker();
    const ids = [1, 2, 3].map((seq) => {
      const m = t.create('single', [leg('x')]);
      t.bindSeq(m.moveId, 0, seq, seq);
      t.accepted(m.moveId, 0);
      return m.moveId;
    });
    // A GET sent after the first two frames reports one move left: the first finished, its DONE lost.
    expect(t.reconcile('x', 1, 2.5)).toBe(1);
    expect(ids.map((id) => t.get(id)?.status)).toEqual(['unknown', 'queued', 'queued']);
    expect(t.get(ids[0]!)?.error?.code).toBe('MOVE_OUTCOME_UNKNOWN');
    // The third was sent after the GET: it does not count.
    expect(t.reconcile('x', 0, 2.5)).toBe(1);
    expect(t.get(ids[2]!)?.status).toBe('queued');
    expect(t.hasQueued('x')).toBe(true);
  });

  it('reconcile while the axis moves: q alone proves nothing, tgt names the running move', () => {
    const { t } = tracker();
    const ids = [10, 20, 30].map((target, i) => {
      const m = t.create('single', [{ ...leg('x'), targetPosition: target }]);
      t.bindSeq(m.moveId, 0, i + 1, i + 1);
      t.accepted(m.moveId, 0);
      return m.moveId;
    });
    // A device counting only the waiting moves: the first runs (tgt 1000 counts), q=1. Nothing ended.
    expect(t.reconcile('x', 1, 10, { targetCounts: 1000 })).toBe(0);
    // A tgt this service never sent: nothing can be concluded either.
    expect(t.reconcile('x', 0, 10, { targetCounts: 999 })).toBe(0);
    // The second runs (tgt 2000): the first has ended.
    expect(t.reconcile('x', 1, 10, { targetCounts: 2000 })).toBe(1);
    expect(ids.map((id) => t.get(id)?.status)).toEqual(['unknown', 'queued', 'queued']);
  });

  it('reconcile on an idle axis: the last move sent, ended on its target, is proven done', () => {
    const { t } = tracker();
    const ids = [10, 20].map((target, i) => {
      const m = t.create('single', [{ ...leg('x'), targetPosition: target }]);
      t.bindSeq(m.moveId, 0, i + 1, i + 1);
      t.accepted(m.moveId, 0);
      return m.moveId;
    });
    // Both DONEs lost; the axis stands idle at 2000 counts, the second's target.
    expect(t.reconcile('x', 0, 10, undefined, 2000)).toBe(1);
    expect(ids.map((id) => t.get(id)?.status)).toEqual(['unknown', 'done']);
    expect(t.get(ids[1]!)?.legs[0]?.finalPosition).toBe(20);
    // Elsewhere than its target (a stop cut it short): nothing is proven.
    const m = t.create('single', [{ ...leg('x'), targetPosition: 30 }]);
    t.bindSeq(m.moveId, 0, 3, 11);
    t.accepted(m.moveId, 0);
    expect(t.reconcile('x', 0, 12, undefined, 2500)).toBe(1);
    expect(t.get(m.moveId)?.status).toBe('unknown');
  });

  it('resync from GET q/run: owed moves stay (or become again) queued; ended ones are settled from state', async () => {
    const { t } = tracker();
    const ids = [10, 20, 30, 40].map((target, i) => {
      const m = t.create('single', [{ ...leg('x'), targetPosition: target }]);
      t.bindSeq(m.moveId, 0, i + 1, i + 1);
      t.accepted(m.moveId, 0);
      return m.moveId;
    });
    // 1. The link dropped: provisionally unknown, waiters not answered yet.
    t.lostSight('c1', 'unplugged', true);
    let answered = false;
    void t.wait(ids[3]!, new Promise(() => {})).then(() => (answered = true));
    // 2. Back: run=3, q=2. Moves 1 and 2 ended unheard; 3 and 4 are still owed.
    expect(t.resync('x', { queueDepth: 2, runningRef: 3, positionCounts: 2500, state: 'MOVING' }, 10)).toBe(
      2,
    );
    expect(ids.map((id) => t.get(id)?.status)).toEqual(['unknown', 'unknown', 'queued', 'queued']);
    expect(t.get(ids[0]!)?.error?.reason).toBe('EVENTS_LOST');
    // 3. They end with their events, in the same session.
    t.reported('c1', 3, 'done', 3000);
    // 4. The last one's event is lost too; the axis stands on its target: proven done.
    expect(t.resync('x', { queueDepth: 0, runningRef: 0, positionCounts: 4000, state: 'IDLE' }, 11)).toBe(0);
    expect(t.get(ids[3]!)).toMatchObject({ status: 'done', legs: [{ finalPosition: 40 }] });
    await Promise.resolve();
    expect(answered).toBe(true);
    // Without run (a driver that cannot say) nothing is concluded.
    const m = t.create('single', [leg('x')]);
    t.bindSeq(m.moveId, 0, 5, 12);
    t.accepted(m.moveId, 0);
    expect(t.resync('x', { queueDepth: 0, positionCounts: 1000, state: 'IDLE' }, 13)).toBe(0);
    expect(t.get(m.moveId)?.status).toBe('queued');
  });

  it.each([
    [['done', 'done'], 'done'],
    [['done', 'queued'], 'queued'],
    [['aborted', 'done'], 'aborted'],
    [['failed', 'queued'], 'failed'],
    [['unknown', 'failed'], 'unknown'],
    [['sending', 'queued'], 'sending'],
  ] as const)('aggregate(%j) = %s', (statuses, expected) => {
    expect(aggregate([...statuses])).toBe(expected);
  });
});
