// Decodes the Maestro's answers to the Get commands. They are raw bytes with no framing, no command echo
// and no CRC (§5.d), so only the host knows what it asked: the reader is told what to expect, in the order
// the commands were written, and splits any chunking of the answers accordingly. Never throws on input.
// Source: Pololu Maestro Servo Controller User's Guide (0J40) §5.e Get Position, Get Moving State, Get Errors.

import type { DriverCodecErrorCode } from '../errors.js';
import { MAESTRO_COMMANDS, type MaestroCommand } from './commands.js';
import { decodeMaestroErrors, type MaestroErrors } from './error-bits.js';

/** A Maestro command that has an answer. */
export type MaestroQuery = Extract<
  MaestroCommand,
  { command: 'getPosition' | 'getMovingState' | 'getErrors' }
>;

export type MaestroReply =
  /** "position low 8 bits, position high 8 bits": for a servo, the pulse width now being sent, in quarter-µs. */
  | { kind: 'reply'; command: 'getPosition'; channel: number; positionQuarterUs: number }
  /** 0x00 if no servo is moving, 0x01 if one still is (unreliable on the Micro Maestro). */
  | { kind: 'reply'; command: 'getMovingState'; moving: boolean }
  /** "error bits 0-7, error bits 8-15"; the Maestro clears the register once it has sent it. */
  | ({ kind: 'reply'; command: 'getErrors' } & MaestroErrors);

export interface MaestroReplyError {
  kind: 'error';
  code: Extract<DriverCodecErrorCode, 'MAESTRO_BAD_REPLY' | 'MAESTRO_UNEXPECTED_BYTES'>;
  /** What was being answered, if anything. */
  command?: MaestroQuery['command'];
  bytes: Uint8Array;
  detail: string;
}

export type MaestroReplyItem = MaestroReply | MaestroReplyError;

function badReply(query: MaestroQuery, bytes: Uint8Array, detail: string): MaestroReplyError {
  return { kind: 'error', code: 'MAESTRO_BAD_REPLY', command: query.command, bytes, detail };
}

/** Decodes the complete answer to `query`. */
export function decodeMaestroReply(query: MaestroQuery, bytes: Uint8Array): MaestroReplyItem {
  const expected = MAESTRO_COMMANDS[query.command].replyBytes;
  if (bytes.length !== expected) {
    return badReply(query, bytes, `${query.command} answers with ${expected} bytes, got ${bytes.length}`);
  }
  switch (query.command) {
    case 'getPosition':
      return {
        kind: 'reply',
        command: 'getPosition',
        channel: query.channel,
        positionQuarterUs: bytes[0]! | (bytes[1]! << 8),
      };
    case 'getMovingState':
      if (bytes[0]! > 1) return badReply(query, bytes, `moving state ${bytes[0]} is neither 0 nor 1`);
      return { kind: 'reply', command: 'getMovingState', moving: bytes[0] === 1 };
    case 'getErrors':
      return { kind: 'reply', command: 'getErrors', ...decodeMaestroErrors(bytes[0]! | (bytes[1]! << 8)) };
  }
}

/**
 * Splits the byte stream from a Maestro into answers. Call `expect()` for each Get command as it is
 * written, then `push()` whatever arrives. Bytes with nothing expected are reported as
 * MAESTRO_UNEXPECTED_BYTES (a Maestro never speaks unasked). An answer cut short by a timeout is the
 * session's to judge: it calls `abandon()`, which drops the partial answer and what was still expected.
 */
export class MaestroReplyReader {
  private readonly queue: MaestroQuery[] = [];
  private partial: number[] = [];

  /** Queries written and not yet fully answered. */
  get pending(): number {
    return this.queue.length;
  }

  expect(query: MaestroQuery): void {
    this.queue.push(query);
  }

  /** Feed any chunk; `onItem` runs synchronously once per answer (or error), in order. */
  push(chunk: Uint8Array, onItem: (item: MaestroReplyItem) => void): void {
    let i = 0;
    while (i < chunk.length) {
      const query = this.queue[0];
      if (!query) {
        onItem({
          kind: 'error',
          code: 'MAESTRO_UNEXPECTED_BYTES',
          bytes: chunk.slice(i),
          detail: `${chunk.length - i} bytes with no query outstanding`,
        });
        return;
      }
      const need = MAESTRO_COMMANDS[query.command].replyBytes - this.partial.length;
      const take = Math.min(need, chunk.length - i);
      for (let k = 0; k < take; k++) this.partial.push(chunk[i + k]!);
      i += take;
      if (take === need) {
        this.queue.shift();
        const bytes = Uint8Array.from(this.partial);
        this.partial = [];
        onItem(decodeMaestroReply(query, bytes));
      }
    }
  }

  /** Convenience for tests and tools. */
  decode(chunk: Uint8Array): MaestroReplyItem[] {
    const items: MaestroReplyItem[] = [];
    this.push(chunk, (item) => items.push(item));
    return items;
  }

  /** Forgets every outstanding query and any partial answer (after a timeout, or on reconnect). */
  abandon(): void {
    this.queue.length = 0;
    this.partial = [];
  }
}
