import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.js';
import { PACKML_COMMANDS, PACKML_STATES } from './states.js';
import { commandAllowedInMode, MODE_CHANGE_STATES, UNIT_MODES, UnitModeSwitch } from './unit-modes.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof GatewayError ? error.code : 'not-a-gateway-error';
  }
  return undefined;
}

describe('unit mode changes', () => {
  it('starts in Production unless told otherwise', () => {
    expect(new UnitModeSwitch().mode).toBe('Production');
    expect(new UnitModeSwitch('Manual').mode).toBe('Manual');
  });

  it.each(PACKML_STATES)('in %s a change is accepted only if it is a mode-change state', (state) => {
    for (const to of UNIT_MODES) {
      const modes = new UnitModeSwitch('Production');
      const code = codeOf(() => modes.change(to, state));
      if (to === 'Production' || MODE_CHANGE_STATES.includes(state)) {
        expect(code).toBeUndefined();
        expect(modes.mode).toBe(to);
      } else {
        expect(code).toBe('EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED');
        expect(modes.mode).toBe('Production');
      }
    }
  });

  it('names the states that allow a change when it refuses one', () => {
    const modes = new UnitModeSwitch();
    try {
      modes.change('Manual', 'Execute');
      expect.unreachable('a change in Execute must be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).state).toBe('Execute');
      expect((error as GatewayError).allowedStates).toEqual(['Stopped', 'Idle', 'Aborted']);
    }
  });

  it('refuses a name that is not a mode, whatever the state', () => {
    const modes = new UnitModeSwitch();
    expect(codeOf(() => modes.change('Setup', 'Stopped'))).toBe('EDGE_UNIT_MODE_UNKNOWN');
    expect(codeOf(() => modes.change('production', 'Stopped'))).toBe('EDGE_UNIT_MODE_UNKNOWN');
    expect(modes.mode).toBe('Production');
  });

  it('reports what changed', () => {
    const modes = new UnitModeSwitch();
    expect(modes.change('Maintenance', 'Aborted')).toEqual({ from: 'Production', to: 'Maintenance' });
    expect(modes.change('Manual', 'Idle')).toEqual({ from: 'Maintenance', to: 'Manual' });
  });
});

describe('commands per mode', () => {
  it('Production accepts every PackML command', () => {
    for (const command of PACKML_COMMANDS) expect(commandAllowedInMode('Production', command)).toBe(true);
  });

  it.each(['Manual', 'Maintenance'] as const)(
    '%s refuses Start but keeps every way out of a fault',
    (mode) => {
      expect(commandAllowedInMode(mode, 'Start')).toBe(false);
      for (const command of ['Stop', 'Abort', 'Reset', 'Clear'] as const) {
        expect(commandAllowedInMode(mode, command)).toBe(true);
      }
    },
  );
});
