// A WebSocket stand-in for fan-out tests (motion-api's stream hub, the gateway's dashboard feed): it
// records what was sent, the close code, and lets a test make it slow (bufferedAmount).

import type { FanoutSocket } from '../http/ws-fanout.js';

export class FakeWebSocket implements FanoutSocket {
  bufferedAmount = 0;
  readyState = 1;
  /** Every message sent, parsed. */
  sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  private onClose: (() => void) | undefined;

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
    this.onClose?.();
  }

  on(_event: 'close', listener: () => void): void {
    this.onClose = listener;
  }

  /** The last message sent. */
  last(): Record<string, unknown> {
    return this.sent.at(-1)!;
  }
}
