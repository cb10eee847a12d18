// PackML unit modes (ANSI/ISA-TR88.00.02-2015 §5.1 "Unit/Machine Control Modes"): which mode the
// line is in, when it may change, and which commands each mode allows. Pure: no clock, no I/O.

import { GatewayError } from '../errors.js';
import type { PackMLCommand, PackMLState } from './states.js';

/**
 * The three modes the report names as examples and that packaging OEMs ship. The report lets a user
 * define more; a line that does adds them here with their rules.
 */
export const UNIT_MODES = ['Production', 'Maintenance', 'Manual'] as const;
export type UnitMode = (typeof UNIT_MODES)[number];

/**
 * TR88.00.02 leaves the states in which a mode change is accepted to the user, and recommends wait
 * states in which the machine is not producing. Stopped, Idle and Aborted are those: nothing moves on
 * the line's behalf, so no station is left half-way through a cycle by a change of rules.
 */
export const MODE_CHANGE_STATES: readonly PackMLState[] = ['Stopped', 'Idle', 'Aborted'];

/**
 * The state commands each mode accepts. Maintenance and Manual use a subset of the base model
 * (TR88.00.02 §5.1.2: "a mode may use a subset of the states"): the line does not run products, so
 * Start is refused and the operator moves axes by hand. Stop, Abort, Reset and Clear stay, because
 * leaving a fault and stopping must work in every mode.
 */
const MODE_COMMANDS: Readonly<Record<UnitMode, readonly PackMLCommand[]>> = {
  Production: ['Reset', 'Start', 'Stop', 'Hold', 'Unhold', 'Suspend', 'Unsuspend', 'Abort', 'Clear'],
  Maintenance: ['Reset', 'Stop', 'Abort', 'Clear'],
  Manual: ['Reset', 'Stop', 'Abort', 'Clear'],
};

export function isUnitMode(value: unknown): value is UnitMode {
  return typeof value === 'string' && (UNIT_MODES as readonly string[]).includes(value);
}

export function commandAllowedInMode(mode: UnitMode, command: PackMLCommand): boolean {
  return MODE_COMMANDS[mode].includes(command);
}

export interface ModeChange {
  from: UnitMode;
  to: UnitMode;
}

/**
 * Holds the current mode. A change is checked against the PackML state the caller passes in, so this
 * stays independent of the state machine and the two cannot disagree about who owns the state.
 */
export class UnitModeSwitch {
  private current: UnitMode;

  constructor(initial: UnitMode = 'Production') {
    this.current = initial;
  }

  get mode(): UnitMode {
    return this.current;
  }

  /**
   * Throws EDGE_UNIT_MODE_UNKNOWN for a name that is not a mode, and EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED
   * (with the state and the states that allow it) when the line is not in a mode-change state.
   * Changing to the current mode is accepted and changes nothing.
   */
  change(to: UnitMode | string, state: PackMLState): ModeChange {
    if (!isUnitMode(to)) {
      throw new GatewayError('EDGE_UNIT_MODE_UNKNOWN', `"${to}"; modes are ${UNIT_MODES.join(', ')}`, {
        state,
      });
    }
    if (to !== this.current && !MODE_CHANGE_STATES.includes(state)) {
      throw new GatewayError('EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED', `${this.current} → ${to} in ${state}`, {
        state,
        allowedStates: MODE_CHANGE_STATES,
      });
    }
    const change = { from: this.current, to };
    this.current = to;
    return change;
  }
}
