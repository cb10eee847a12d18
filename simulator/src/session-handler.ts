// The DeviceHandler a simulated controller gives its DeviceSession: the controller model's commands,
// and, for a device that speaks v2, the hooks that make it advertise TRIG, TSTEP and LEASE (§v2 Negotiation:
// a device implements a feature by having its hook). A v1-only device gets no v2 hooks at all.

import type {
  ArgsV2Of,
  DeviceHandler,
  EstopSource,
  HandledCommand,
  ProtocolVersion,
  Reply,
} from '@servo-edge/firmware-protocol';
import type { ControllerModel } from './model/controller-model.js';
import type { ExecutedCommand } from './types.js';

export interface SessionHandlerOptions {
  model: ControllerModel;
  /** The highest version the device speaks. */
  protocol: ProtocolVersion;
  /**
   * Runs a handler call with the model brought up to now and the events it raises held until the
   * session's next line (the reply) is out: an outcome never overtakes the reply to its command.
   */
  inHandler<T>(run: () => T): T;
  /** Logs an executed command (exactly-once evidence for tests) before it runs. */
  record(verb: ExecutedCommand['verb'], args: object, seq: number): void;
  /** A HELLO started a session (counted for the executed log). */
  sessionStarted(): void;
}

export function createSessionHandler(options: SessionHandlerOptions): DeviceHandler {
  const { model, inHandler, record } = options;
  const handler: DeviceHandler = {
    execute: (command: HandledCommand, seq: number): Reply => {
      record(command.verb, command.args, seq);
      return inHandler(() => model.execute(command, seq));
    },
    estop: (source: EstopSource) => inHandler(() => model.estop(source)),
    watchdogExpired: () => inHandler(() => model.watchdogExpired()),
    sessionStarted: (version: ProtocolVersion) => {
      options.sessionStarted();
      inHandler(() => model.sessionStarted(version));
    },
  };
  if (options.protocol < 2) return handler;
  // §v2 Triggered moves (feature TRIG).
  handler.triggeredMove = (args: ArgsV2Of<'TMOVE'>, seq: number) => {
    record('TMOVE', args, seq);
    return inHandler(() => model.triggeredMove(args, seq));
  };
  // §v2 Triggered steps (feature TSTEP).
  handler.triggeredStep = (args: ArgsV2Of<'TSTEP'>, seq: number) => {
    record('TSTEP', args, seq);
    return inHandler(() => model.triggeredStep(args, seq));
  };
  // §v2 Jog lease (feature LEASE): the session times the lease, the model moves the axis.
  handler.jogLease = {
    jog: (args, seq) => {
      record('JOG', args, seq);
      return inHandler(() => model.leasedJog(args));
    },
    renew: (axis, seq) => {
      record('RENEW', { axis }, seq);
      return inHandler(() => model.renewLease(axis));
    },
    expired: (axis) => inHandler(() => model.leaseExpired(axis)),
  };
  return handler;
}
