// The PackML state machine: commands and State Complete move it; no I/O, no timers, no clock.

import { GatewayError } from '../errors.js';
import {
  COMMAND_TRANSITIONS,
  commandsAllowedIn,
  isPackMLCommand,
  type PackMLCommand,
  type PackMLState,
  STATE_COMPLETE,
} from './states.js';

export interface PackMLTransition {
  from: PackMLState;
  to: PackMLState;
  /** The command, or `StateComplete` when an acting state finished. */
  cause: PackMLCommand | 'StateComplete';
}

export class PackMLStateMachine {
  private current: PackMLState;

  constructor(initial: PackMLState = 'Stopped') {
    this.current = initial;
  }

  get state(): PackMLState {
    return this.current;
  }

  allowedCommands(): PackMLCommand[] {
    return commandsAllowedIn(this.current);
  }

  /** Whether `command` would be accepted now. */
  accepts(command: PackMLCommand): boolean {
    return COMMAND_TRANSITIONS[command].from.includes(this.current);
  }

  /**
   * Applies a command. Throws EDGE_PACKML_UNKNOWN_COMMAND for a string that is not one of the nine,
   * and EDGE_PACKML_COMMAND_NOT_ALLOWED (with `allowedCommands` and `state`) when the state refuses it.
   */
  command(command: PackMLCommand | string): PackMLTransition {
    if (!isPackMLCommand(command)) {
      throw new GatewayError('EDGE_PACKML_UNKNOWN_COMMAND', undefined, {
        state: this.current,
        allowedCommands: this.allowedCommands(),
      });
    }
    if (!this.accepts(command)) {
      throw new GatewayError('EDGE_PACKML_COMMAND_NOT_ALLOWED', `${command} in ${this.current}`, {
        state: this.current,
        allowedCommands: this.allowedCommands(),
      });
    }
    return this.move(COMMAND_TRANSITIONS[command].to, command);
  }

  /** An acting state finished its work. Throws EDGE_PACKML_NOT_ACTING in a wait state. */
  stateComplete(): PackMLTransition {
    const next = STATE_COMPLETE[this.current];
    if (next === undefined) {
      throw new GatewayError('EDGE_PACKML_NOT_ACTING', this.current, {
        state: this.current,
        allowedCommands: this.allowedCommands(),
      });
    }
    return this.move(next, 'StateComplete');
  }

  private move(to: PackMLState, cause: PackMLTransition['cause']): PackMLTransition {
    const transition = { from: this.current, to, cause };
    this.current = to;
    return transition;
  }
}
