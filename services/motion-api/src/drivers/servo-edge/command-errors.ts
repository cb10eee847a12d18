// Maps what a command can end in (a device ERR reply, a ProtocolError) to the API's MotionError,
// and says whether the command certainly did not execute ('failed') or may have ('unknown').

import { isProtocolError, type Reply } from '@servo-edge/firmware-protocol';
import { MotionError, type MotionErrorCode, type ProblemExtensions } from '../../errors.js';

export interface CommandFailure {
  error: MotionError;
  /** failed: certainly not executed. unknown: written, then the answer was lost. */
  outcome: 'failed' | 'unknown';
}

/** An ERR reply (§Error codes): the device refused and did not execute. */
export function errorFromReply(
  reply: Extract<Reply, { ok: false }>,
  what: string,
  extensions: ProblemExtensions,
): MotionError {
  const ext = { ...extensions, deviceCode: reply.code };
  switch (reply.code) {
    case 'RANGE':
      return new MotionError('DEVICE_REJECTED_RANGE', `${what}: the controller answered ERR RANGE`, ext);
    case 'ESTOP':
      return new MotionError('AXIS_ESTOP', `${what}: the controller's e-stop is latched`, ext);
    case 'QFULL':
      return new MotionError('AXIS_QUEUE_FULL', `${what}: the controller's move queue is full`, ext);
    case 'STATE': {
      const st = String(reply.fields.st ?? '');
      const code: MotionErrorCode =
        st === 'ESTOP'
          ? 'AXIS_ESTOP'
          : st === 'FAULT'
            ? 'AXIS_FAULT'
            : st === 'DISABLED'
              ? 'AXIS_DISABLED'
              : 'AXIS_BUSY';
      return new MotionError(code, `${what}: the controller refused it in state ${st || 'unknown'}`, {
        ...ext,
        deviceState: st,
      });
    }
    default:
      return new MotionError('DEVICE_ERROR', `${what}: the controller answered ERR ${reply.code}`, ext);
  }
}

/** A rejection of HostSession.request()/ControllerLink.request(). */
export function failureFromRejection(
  error: unknown,
  what: string,
  extensions: ProblemExtensions,
): CommandFailure {
  if (!isProtocolError(error)) {
    return {
      error: new MotionError(
        'INTERNAL_ERROR',
        `${what}: ${(error as Error)?.message ?? String(error)}`,
        extensions,
      ),
      outcome: 'unknown',
    };
  }
  const ext = { ...extensions, protocolCode: error.code };
  if (!error.sent) {
    if (error.code === 'PROTO_QUEUE_FULL')
      return {
        error: new MotionError('CONTROLLER_BUSY', `${what}: ${error.message}`, ext),
        outcome: 'failed',
      };
    // §v2 Negotiation: the negotiated version or the device's features lack the command.
    if (error.code === 'PROTO_NOT_SUPPORTED')
      return {
        error: new MotionError('NOT_SUPPORTED_BY_CONTROLLER', `${what}: ${error.message}`, ext),
        outcome: 'failed',
      };
    if (error.code === 'PROTO_INVALID_ARGUMENT' || error.code === 'PROTO_LINE_TOO_LONG')
      return {
        error: new MotionError('INTERNAL_ERROR', `${what}: ${error.message}`, ext),
        outcome: 'failed',
      };
    return {
      error: new MotionError('CONTROLLER_DISCONNECTED', `${what}: not sent (${error.code})`, ext),
      outcome: 'failed',
    };
  }
  if (error.code === 'PROTO_REPLY_TIMEOUT')
    return { error: new MotionError('DEVICE_TIMEOUT', `${what}: ${error.message}`, ext), outcome: 'unknown' };
  if (error.code === 'PROTO_BAD_REPLY')
    return { error: new MotionError('DEVICE_ERROR', `${what}: ${error.message}`, ext), outcome: 'unknown' };
  return {
    error: new MotionError('MOVE_OUTCOME_UNKNOWN', `${what}: sent, then ${error.code}`, ext),
    outcome: 'unknown',
  };
}
