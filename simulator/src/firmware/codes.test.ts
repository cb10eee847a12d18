// The firmware's C registries (firmware-protocol/firmware/core/codes.c and commands.c) list exactly
// the protocol's codes, states, reasons and verbs (src/wire/messages.ts), in a C-readable form. This
// needs no toolchain: it reads the sources.

import { readFileSync } from 'node:fs';
import {
  ABORT_REASONS,
  AXIS_STATES,
  ESTOP_SOURCES,
  FAULT_CODES,
  LIMIT_KEYS,
  VERBS,
  WIRE_ERROR_CODES,
} from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR } from './firmware-build.js';
import { FIRMWARE_VERBS } from './firmware-device.js';

const codesC = readFileSync(`${FIRMWARE_DIR}core/codes.c`, 'utf8');
const commandsC = readFileSync(`${FIRMWARE_DIR}core/commands.c`, 'utf8');

/** The strings of the C array initialiser `name[...] = { "A", "B", ... };`. */
function cStrings(source: string, name: string): string[] {
  const match = new RegExp(`${name}\\[[^\\]]*\\]\\s*=\\s*\\{([^}]*)\\}`).exec(source);
  if (!match) throw new Error(`${name} not found`);
  return [...match[1]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}

describe('firmware registries', () => {
  it('error codes: OK then every wire error code, in order', () => {
    expect(cStrings(codesC, 'se_code_names')).toEqual(['OK', ...WIRE_ERROR_CODES]);
  });
  it('axis states, fault codes, abort reasons, e-stop sources, limit keys', () => {
    expect(cStrings(codesC, 'se_state_names')).toEqual([...AXIS_STATES]);
    expect(cStrings(codesC, 'se_fault_names')).toEqual(['', ...FAULT_CODES]);
    expect(cStrings(codesC, 'se_why_names')).toEqual(['', ...ABORT_REASONS]);
    expect(cStrings(codesC, 'se_source_names')).toEqual([...ESTOP_SOURCES]);
    expect(cStrings(codesC, 'se_limit_key_names')).toEqual([...LIMIT_KEYS]);
  });
  it('verbs: the whole table of v1 and v2 (less the optional TSTEP it does not implement), numbered as the harness traces them', () => {
    // TSTEP is an optional feature (PROTOCOL.md §v2 Triggered steps) this firmware does not advertise.
    const notImplemented = ['TSTEP'];
    expect(cStrings(commandsC, 'se_verb_names').sort()).toEqual(
      Object.keys(VERBS)
        .filter((verb) => !notImplemented.includes(verb))
        .sort(),
    );
    expect(cStrings(commandsC, 'se_verb_names')).toEqual([...FIRMWARE_VERBS]);
  });
});
