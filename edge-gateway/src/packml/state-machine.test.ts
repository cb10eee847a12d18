// Every PackML state x command pair and every State Complete, against a table written out from ISA-TR88.00.02.

import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { PackMLStateMachine } from './state-machine.js';
import { PACKML_COMMANDS, PACKML_STATES, type PackMLCommand, type PackMLState } from './states.js';

// 1. The expected model, written out independently of states.ts: state -> command -> next state.
//    Abort is accepted everywhere except Aborting/Aborted; Stop everywhere except Stopped, Stopping,
//    Aborting, Aborted and Clearing.
const S = 'Stopping';
const A = 'Aborting';
const EXPECTED: Record<PackMLState, Partial<Record<PackMLCommand, PackMLState>>> = {
  Stopped: { Reset: 'Resetting', Abort: A },
  Resetting: { Stop: S, Abort: A },
  Idle: { Start: 'Starting', Stop: S, Abort: A },
  Starting: { Stop: S, Abort: A },
  Execute: { Hold: 'Holding', Suspend: 'Suspending', Stop: S, Abort: A },
  Completing: { Stop: S, Abort: A },
  Complete: { Reset: 'Resetting', Stop: S, Abort: A },
  Holding: { Stop: S, Abort: A },
  Held: { Unhold: 'Unholding', Stop: S, Abort: A },
  Unholding: { Stop: S, Abort: A },
  Suspending: { Stop: S, Abort: A },
  Suspended: { Unsuspend: 'Unsuspending', Stop: S, Abort: A },
  Unsuspending: { Stop: S, Abort: A },
  Stopping: { Abort: A },
  Aborting: {},
  Aborted: { Clear: 'Clearing' },
  Clearing: { Abort: A },
};
const EXPECTED_SC: Partial<Record<PackMLState, PackMLState>> = {
  Resetting: 'Idle',
  Starting: 'Execute',
  Execute: 'Completing',
  Completing: 'Complete',
  Holding: 'Held',
  Unholding: 'Execute',
  Suspending: 'Suspended',
  Unsuspending: 'Execute',
  Stopping: 'Stopped',
  Aborting: 'Aborted',
  Clearing: 'Stopped',
};

const pairs = PACKML_STATES.flatMap((state) => PACKML_COMMANDS.map((command) => [state, command] as const));

describe('PackML state machine', () => {
  it('has the 17 states and 9 commands', () => {
    expect(PACKML_STATES).toHaveLength(17);
    expect(PACKML_COMMANDS).toHaveLength(9);
    expect(new PackMLStateMachine().state).toBe('Stopped');
  });

  it.each(pairs)('%s + %s', (state, command) => {
    const machine = new PackMLStateMachine(state);
    const next = EXPECTED[state][command];
    if (next === undefined) {
      let caught: unknown;
      try {
        machine.command(command);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GatewayError);
      expect((caught as GatewayError).code).toBe('EDGE_PACKML_COMMAND_NOT_ALLOWED');
      expect((caught as GatewayError).state).toBe(state);
      expect((caught as GatewayError).allowedCommands).toEqual(
        Object.keys(EXPECTED[state]).sort(byCommandOrder),
      );
      expect(machine.state).toBe(state);
    } else {
      expect(machine.command(command)).toEqual({ from: state, to: next, cause: command });
      expect(machine.state).toBe(next);
    }
  });

  it.each(PACKML_STATES)('allowedCommands() in %s', (state) => {
    expect(new PackMLStateMachine(state).allowedCommands()).toEqual(
      Object.keys(EXPECTED[state]).sort(byCommandOrder),
    );
  });

  it.each(PACKML_STATES)('State Complete in %s', (state) => {
    const machine = new PackMLStateMachine(state);
    const next = EXPECTED_SC[state];
    if (next === undefined) {
      expect(() => machine.stateComplete()).toThrow(
        expect.objectContaining({ code: 'EDGE_PACKML_NOT_ACTING' }),
      );
      expect(machine.state).toBe(state);
    } else {
      expect(machine.stateComplete()).toEqual({ from: state, to: next, cause: 'StateComplete' });
    }
  });

  it('refuses a command that is not one of the nine', () => {
    const machine = new PackMLStateMachine();
    expect(() => machine.command('Launch')).toThrow(
      expect.objectContaining({ code: 'EDGE_PACKML_UNKNOWN_COMMAND' }),
    );
    expect(() => machine.command('reset')).toThrow(
      expect.objectContaining({ code: 'EDGE_PACKML_UNKNOWN_COMMAND' }),
    );
  });

  it('runs a full production cycle', () => {
    const machine = new PackMLStateMachine();
    const visited = [machine.state];
    const step = (action: PackMLCommand | 'SC') => {
      if (action === 'SC') machine.stateComplete();
      else machine.command(action);
      visited.push(machine.state);
    };
    for (const action of [
      'Reset',
      'SC',
      'Start',
      'SC',
      'Hold',
      'SC',
      'Unhold',
      'SC',
      'SC',
      'SC',
      'Reset',
      'SC',
    ] as const) {
      step(action);
    }
    expect(visited).toEqual([
      'Stopped',
      'Resetting',
      'Idle',
      'Starting',
      'Execute',
      'Holding',
      'Held',
      'Unholding',
      'Execute',
      'Completing',
      'Complete',
      'Resetting',
      'Idle',
    ]);
  });
});

function byCommandOrder(a: string, b: string): number {
  return PACKML_COMMANDS.indexOf(a as PackMLCommand) - PACKML_COMMANDS.indexOf(b as PackMLCommand);
}
