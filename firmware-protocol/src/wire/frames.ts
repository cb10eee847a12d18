// The typed items a decoder yields: frames, decode errors and the realtime e-stop signal.

import type { ArgsOf, DeviceEvent, Verb, WireErrorCode } from './messages.js';

/** host -> device: a command whose verb and arguments match the table (§Commands). */
export type CommandFrame = { [V in Verb]: { kind: 'command'; seq: number; verb: V; args: ArgsOf<V> } }[Verb];

/**
 * host -> device: a well-framed line (checksum good, seq readable) whose verb is unknown (or not
 * of the session's version) or whose arguments do not match. It still obeys the seq rules; the
 * reply is ERR VERB / ERR ARGS, or ERR RANGE for a well-formed 64-bit position beyond what this
 * device can hold (§v2 Positions).
 */
export interface InvalidCommandFrame {
  kind: 'invalid-command';
  seq: number;
  code: 'VERB' | 'ARGS' | 'RANGE';
  verbToken: string;
  detail: string;
}

/**
 * device -> host: a reply. Reply fields stay as raw strings here because their types depend on
 * the verb of the request, which only the host session knows (see parseReplyFields).
 */
export type ReplyFrame =
  | { kind: 'reply'; seq: number; ok: true; fields: Record<string, string> }
  | { kind: 'reply'; seq: number; ok: false; code: WireErrorCode; fields: Record<string, string | number> };

/** device -> host: an event (§Events). `eseq` is set on sequenced events in a v2 session (§v2 Events). */
export type EventFrame = { kind: 'event'; eseq?: number } & DeviceEvent;

/**
 * A line that was not accepted (§Device rule 1). `seq` is set when it could be read. RANGE (device
 * lines only): well formed, with a good checksum, but a value beyond ±(2^53-1) (§v2 Positions);
 * `eseq` then says which sequenced event it was, if it was one.
 */
export interface DecodeError {
  kind: 'error';
  code: 'CRC' | 'SYNTAX' | 'TOO_LONG' | 'RANGE';
  seq?: number;
  eseq?: number;
  detail: string;
}

/** §Device rule 5 / §v2 Stop: the stop byte of the session was seen; any partial line has been discarded. */
export interface EstopSignal {
  kind: 'estop';
}

export type DeviceBoundItem = CommandFrame | InvalidCommandFrame | DecodeError | EstopSignal;
export type HostBoundItem = ReplyFrame | EventFrame | DecodeError | EstopSignal;
