// The typed items a decoder yields: frames, decode errors and the realtime e-stop signal.

import type { ArgsOf, DeviceEvent, Verb, WireErrorCode } from './messages.js';

/** host -> device: a command whose verb and arguments match the table (§Commands). */
export type CommandFrame = { [V in Verb]: { kind: 'command'; seq: number; verb: V; args: ArgsOf<V> } }[Verb];

/**
 * host -> device: a well-framed line (checksum good, seq readable) whose verb is unknown
 * or whose arguments do not match. It still obeys the seq rules; the reply is ERR VERB / ERR ARGS.
 */
export interface InvalidCommandFrame {
  kind: 'invalid-command';
  seq: number;
  code: 'VERB' | 'ARGS';
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

/** device -> host: an event (§Events). */
export type EventFrame = { kind: 'event' } & DeviceEvent;

/** A line that was not accepted (§Device rule 1). `seq` is set when it could be read. */
export interface DecodeError {
  kind: 'error';
  code: 'CRC' | 'SYNTAX' | 'TOO_LONG';
  seq?: number;
  detail: string;
}

/** §Device rule 5: the 0x18 byte was seen; any partial line has been discarded. */
export interface EstopSignal {
  kind: 'estop';
}

export type DeviceBoundItem = CommandFrame | InvalidCommandFrame | DecodeError | EstopSignal;
export type HostBoundItem = ReplyFrame | EventFrame | DecodeError | EstopSignal;
