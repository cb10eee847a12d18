// After a link loss, tells whether the device kept its session or rebooted, before HELLO erases the
// difference: a PING outside any session is answered ERR HELLO (§Device rule 3), while a device that
// still has a session answers it (OK, a cached reply, or ERR SEQ; §Device rule 2). A BOOT also settles it.

import {
  DeviceLineDecoder,
  type EventFrame,
  encodeCommand,
  type HostBoundItem,
} from '@servo-edge/firmware-protocol';

export type ProbeVerdict = 'session-kept' | 'rebooted';

/** The seq the probe uses; any seq works, since every answer but ERR HELLO means "session kept". */
export const PROBE_SEQ = 1;

/** A pure probe: the link writes frame(), feeds bytes to receive(), and decides on a timeout itself. */
export class RebootProbe {
  private readonly decoder = new DeviceLineDecoder();
  private verdictValue: ProbeVerdict | undefined;

  /**
   * `version`: the version of the session the device may still hold, so its events are read in that
   * session's form (§v2 Events: `!<eseq> DONE ...` in v2). Default 1.
   */
  constructor(version = 1) {
    this.decoder.version = version === 2 ? 2 : 1;
  }

  get verdict(): ProbeVerdict | undefined {
    return this.verdictValue;
  }

  /** The PING line to write (again on each attempt). */
  frame(): Buffer {
    return encodeCommand(PROBE_SEQ, 'PING', {});
  }

  /**
   * Returns the verdict once the bytes settle it. Events are passed on: a DONE of a move sent
   * before the loss may arrive now, and it must still reach its move.
   */
  receive(chunk: Uint8Array, onEvent: (event: EventFrame) => void): ProbeVerdict | undefined {
    this.decoder.push(chunk, (item) => {
      if (item.kind === 'event') onEvent(item);
      this.handle(item);
    });
    return this.verdictValue;
  }

  private handle(item: HostBoundItem): void {
    if (this.verdictValue) return;
    if (item.kind === 'event' && item.event === 'BOOT') this.verdictValue = 'rebooted';
    if (item.kind !== 'reply' || item.seq !== PROBE_SEQ) return;
    if (!item.ok && item.code === 'HELLO') this.verdictValue = 'rebooted';
    // A damaged copy of our PING (ERR CRC / SYNTAX) says nothing: the link retries.
    else if (item.ok || !['CRC', 'SYNTAX', 'TOO_LONG'].includes(item.code))
      this.verdictValue = 'session-kept';
  }
}
