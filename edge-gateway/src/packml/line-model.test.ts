// The line model: e-stop and vision events, counters over a sliding window, the verdict ring, change events.

import type { Clock } from '@servo-edge/common/clock';
import { ManualClock, sampleVerdict } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { LineModel, type LineTransition } from './line-model.js';
import type { PackMLState } from './states.js';

const setup = (initialState?: PackMLState, visionOnline = true) => {
  const clock = new ManualClock({ monotonicMs: 0, epochMs: 0 });
  const line = new LineModel({
    line: 'line-1',
    clock,
    rateWindowMs: 60_000,
    recentInspectionsMax: 3,
    visionOnline,
    ...(initialState ? { initialState } : {}),
  });
  const transitions: LineTransition[] = [];
  line.onTransition((transition) => transitions.push(transition));
  return { clock, line, transitions };
};

/** Stopped -> Execute through the acting states, as the line controller would drive it. */
const bringToExecute = (line: LineModel) => {
  line.command('Reset');
  line.stateComplete();
  line.command('Start');
  line.stateComplete();
};

describe('e-stop', () => {
  it.each<PackMLState>(['Idle', 'Execute', 'Held', 'Suspended', 'Stopping', 'Clearing', 'Stopped'])(
    'from %s goes Aborting, then Aborted on State Complete',
    (state) => {
      const { line, transitions } = setup(state);
      expect(line.estop()).toMatchObject({ from: state, to: 'Aborting', cause: 'Abort', reason: 'estop' });
      line.stateComplete();
      expect(line.state).toBe('Aborted');
      expect(transitions.map((t) => t.to)).toEqual(['Aborting', 'Aborted']);
    },
  );

  it('is a no-op while already Aborting or Aborted', () => {
    for (const state of ['Aborting', 'Aborted'] as const) {
      const { line, transitions } = setup(state);
      expect(line.estop()).toBeUndefined();
      expect(line.state).toBe(state);
      expect(transitions).toEqual([]);
    }
  });

  it('then Clear and Reset bring the line back to Idle', () => {
    const { line } = setup('Execute');
    line.estop();
    line.stateComplete();
    line.command('Clear');
    line.stateComplete();
    line.command('Reset');
    line.stateComplete();
    expect(line.state).toBe('Idle');
  });
});

describe('vision offline', () => {
  it('suspends a running line: Suspending, then Suspended; vision back unsuspends it', () => {
    const { line, transitions } = setup();
    bringToExecute(line);
    expect(line.visionOffline()).toMatchObject({
      from: 'Execute',
      to: 'Suspending',
      reason: 'vision-offline',
    });
    line.stateComplete();
    expect(line.state).toBe('Suspended');
    expect(line.snapshot()).toMatchObject({ suspendedBy: 'vision-offline', visionOnline: false });
    expect(line.visionOnline()).toMatchObject({
      from: 'Suspended',
      to: 'Unsuspending',
      reason: 'vision-offline',
    });
    line.stateComplete();
    expect(line.state).toBe('Execute');
    expect(transitions.map((t) => t.to).slice(-4)).toEqual([
      'Suspending',
      'Suspended',
      'Unsuspending',
      'Execute',
    ]);
  });

  it('a line started while vision is offline suspends as soon as it reaches Execute', () => {
    const { line } = setup('Stopped', false);
    bringToExecute(line);
    expect(line.state).toBe('Suspending');
  });

  it("does not touch a line that is not running, nor an operator's own suspension", () => {
    const { line } = setup('Idle');
    expect(line.visionOffline()).toBeUndefined();
    expect(line.state).toBe('Idle');

    const second = setup('Execute');
    second.line.command('Suspend');
    second.line.stateComplete();
    second.line.visionOffline();
    expect(second.line.visionOnline()).toBeUndefined();
    expect(second.line.state).toBe('Suspended');
  });
});

describe('commands', () => {
  it('refuses a command the state does not allow, listing those it does', () => {
    const { line } = setup('Idle');
    expect(() => line.command('Hold')).toThrow(
      expect.objectContaining({
        code: 'EDGE_PACKML_COMMAND_NOT_ALLOWED',
        allowedCommands: ['Start', 'Stop', 'Abort'],
      }),
    );
    expect(line.allowedCommands()).toEqual(['Start', 'Stop', 'Abort']);
  });

  it('stamps transitions with the clock and reports stateSinceMs', () => {
    const { line, clock } = setup();
    clock.advanceBy(1234);
    expect(line.command('Reset').atEpochMs).toBe(1234);
    clock.advanceBy(10);
    expect(line.snapshot()).toMatchObject({
      state: 'Resetting',
      stateSinceMs: 1234,
      timeInStateMs: 10,
      timestampMs: 1244,
    });
  });
});

describe('counters', () => {
  it('counts produced, good and rejected', () => {
    const { line } = setup();
    for (const outcome of ['good', 'good', 'rejected', 'good'] as const) line.recordProduct(outcome);
    expect(line.snapshot().counters).toMatchObject({ produced: 4, good: 3, rejected: 1 });
  });

  it('measures the rate over a sliding window', () => {
    const { line, clock } = setup();
    // 1. Ten products a second for 30 s: 300 in a 60 s window = 300/min.
    for (let i = 0; i < 300; i++) {
      line.recordProduct('good');
      clock.advanceBy(100);
    }
    expect(line.snapshot().counters.ratePerMin).toBe(300);
    // 2. 30 s later the window still holds all of them; 60 s after the last one, none.
    clock.advanceBy(29_000);
    expect(line.snapshot().counters.ratePerMin).toBe(300);
    clock.advanceBy(31_000);
    expect(line.snapshot().counters.ratePerMin).toBe(0);
    expect(line.snapshot().counters.produced).toBe(300);
  });

  it('a long idle gap empties the window', () => {
    const { line, clock } = setup();
    line.recordProduct('good');
    clock.advanceBy(10 * 60_000);
    line.recordProduct('rejected');
    expect(line.snapshot().counters.ratePerMin).toBe(1);
  });

  it('resetCounters starts again from zero', () => {
    const { line } = setup();
    line.recordProduct('good');
    line.resetCounters();
    expect(line.snapshot().counters).toEqual({ produced: 0, good: 0, rejected: 0, ratePerMin: 0 });
  });
});

describe('recent inspections', () => {
  it('keeps the newest N, newest first', () => {
    const { line } = setup();
    for (const id of ['a', 'b', 'c', 'd']) line.recordInspection(sampleVerdict({ productId: id }));
    expect(line.recentInspections().map((v) => v.productId)).toEqual(['d', 'c', 'b']);
    expect(line.recentInspections(1).map((v) => v.productId)).toEqual(['d']);
  });
});

describe('change events', () => {
  it('reports state and counter changes; a throwing listener does not stop the others', () => {
    const { line } = setup();
    const changes: string[] = [];
    line.onChange(() => {
      throw new Error('listener bug');
    });
    const off = line.onChange((snapshot, change) => changes.push(`${change}:${snapshot.state}`));
    line.command('Reset');
    line.recordProduct('good');
    off();
    line.stateComplete();
    expect(changes).toEqual(['state:Resetting', 'counters:Resetting']);
    expect(line.state).toBe('Idle');
  });
});

describe('time bases', () => {
  /** A ManualClock whose wall clock NTP can step, while its monotonic clock runs on. */
  const steppableClock = () => {
    const manual = new ManualClock({ monotonicMs: 5_000, epochMs: 1_700_000_000_000 });
    let stepMs = 0;
    const clock: Pick<Clock, 'monotonicMs' | 'epochMs'> = {
      monotonicMs: () => manual.monotonicMs(),
      epochMs: () => (manual.epochMs() + stepMs) as ReturnType<Clock['epochMs']>,
    };
    return { manual, clock, ntpStep: (ms: number) => (stepMs += ms) };
  };

  it('publishes epoch times; time in state and the rate window run on the monotonic clock', () => {
    const { manual, clock, ntpStep } = steppableClock();
    const line = new LineModel({ line: 'l', clock, rateWindowMs: 60_000, recentInspectionsMax: 3 });
    // 1. Timestamps are epoch milliseconds, not the monotonic reading (5 000).
    expect(line.command('Reset').atEpochMs).toBe(1_700_000_000_000);
    expect(line.snapshot()).toMatchObject({
      stateSinceMs: 1_700_000_000_000,
      timestampMs: 1_700_000_000_000,
    });
    // 2. 30 s pass, and NTP steps the wall clock back an hour.
    for (let i = 0; i < 30; i++) {
      line.recordProduct('good');
      manual.advanceBy(1_000);
    }
    ntpStep(-3_600_000);
    const snapshot = line.snapshot();
    expect(snapshot.timestampMs).toBe(1_700_000_000_000 + 30_000 - 3_600_000);
    // 3. The durations do not move with it: 30 s in state, 30 products in the last minute.
    expect(snapshot.timeInStateMs).toBe(30_000);
    expect(snapshot.counters.ratePerMin).toBe(30);
    // 4. A minute later on the monotonic clock the window is empty, whatever the wall clock says.
    ntpStep(+7_200_000);
    manual.advanceBy(60_000);
    expect(line.snapshot().counters.ratePerMin).toBe(0);
    expect(line.snapshot().timeInStateMs).toBe(90_000);
  });
});

describe('unit modes and OEE in the line model', () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as { code?: string }).code;
    }
    return undefined;
  };

  it('refuses a mode change while running and accepts it once stopped', () => {
    const { line } = setup();
    bringToExecute(line);
    expect(codeOf(() => line.changeMode('Manual'))).toBe('EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED');
    expect(line.mode).toBe('Production');
    line.command('Stop');
    line.stateComplete();
    expect(line.changeMode('Manual')).toEqual({ from: 'Production', to: 'Manual' });
    expect(line.snapshot().mode).toBe('Manual');
  });

  it('in Manual, Start is refused with its own code and left out of allowedCommands', () => {
    const { line } = setup();
    line.changeMode('Manual');
    line.command('Reset');
    line.stateComplete();
    expect(line.state).toBe('Idle');
    expect(line.allowedCommands()).not.toContain('Start');
    expect(line.allowedCommands()).toContain('Stop');
    expect(codeOf(() => line.command('Start'))).toBe('EDGE_COMMAND_NOT_ALLOWED_IN_MODE');
    expect(line.state).toBe('Idle');
    // A command the state refuses keeps the state machine's code.
    expect(codeOf(() => line.command('Unhold'))).toBe('EDGE_PACKML_COMMAND_NOT_ALLOWED');
  });

  it('emits a mode change to listeners', () => {
    const { line } = setup();
    const changes: string[] = [];
    line.onChange((snapshot, change) => changes.push(`${change}:${snapshot.mode}`));
    line.changeMode('Maintenance');
    line.changeMode('Maintenance'); // no change, no event
    expect(changes).toEqual(['mode:Maintenance']);
  });

  it('reports OEE from the time in Execute and the products recorded', () => {
    const { clock, line } = setup();
    bringToExecute(line);
    for (let i = 0; i < 600; i++) {
      clock.advanceBy(100);
      line.recordProduct(i < 594 ? 'good' : 'rejected');
    }
    line.command('Hold');
    line.stateComplete();
    clock.advanceBy(60_000);
    const { oee } = line.snapshot();
    expect(oee.availability).toBe(0.5);
    expect(oee.performance).toBe(1);
    expect(oee.quality).toBe(0.99);
    expect(oee.oee).toBe(0.495);
  });
});
