// The error registry, the README's table and the SimulatorErrorCode union list the same codes.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIMULATOR_ERRORS, SimulatorError, type SimulatorErrorCode } from './errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Exhaustive over the union: adding a code without listing it here fails the type check. */
const EXPECTED_FLAGS: { [C in SimulatorErrorCode]: 'canceled' | 'disconnected' | 'none' } = {
  SIM_DUPLICATE_PATH: 'none',
  SIM_CONTROLLER_CLOSED: 'none',
  SIM_NO_SUCH_AXIS: 'none',
  SIM_PORT_NOT_FOUND: 'none',
  SIM_PORT_LOCKED: 'none',
  SIM_PORT_NOT_OPEN: 'none',
  SIM_PORT_CANCELED: 'canceled',
  SIM_PORT_DISCONNECTED: 'disconnected',
  SIM_INVALID_ARGUMENT: 'none',
  SIM_PTY_FAILED: 'none',
  SIM_CLI_USAGE: 'none',
  SIM_TOO_MANY_AXES: 'none',
};

describe('simulator error codes', () => {
  it('registry == README table == union', () => {
    const documented = [...readme.matchAll(/^\| (SIM_[A-Z_]+) \|/gm)].map((m) => m[1]).sort();
    const registry = Object.keys(SIMULATOR_ERRORS).sort();
    expect(documented).toEqual(registry);
    expect(Object.keys(EXPECTED_FLAGS).sort()).toEqual(registry);
  });

  it('every code builds an error carrying it and its flags', () => {
    for (const code of Object.keys(SIMULATOR_ERRORS) as SimulatorErrorCode[]) {
      const flag = EXPECTED_FLAGS[code];
      const error = new SimulatorError(code, 'x', {
        canceled: flag === 'canceled',
        disconnected: flag === 'disconnected',
      });
      expect(error).toMatchObject({
        code,
        canceled: flag === 'canceled',
        disconnected: flag === 'disconnected',
      });
      expect(error).toBeInstanceOf(Error);
    }
  });
});
