// Test client that writes raw bytes (malformed lines, 0x18 mid-line) and reads the device's lines
// decoded, over any SerialPortStream. Waits are event-driven with bounded timeouts.

import type { SerialPortStream } from '@serialport/stream';
import {
  DeviceLineDecoder,
  encodeLine,
  type HostBoundItem,
  type ProtocolVersion,
} from '@servo-edge/firmware-protocol';
import { withTimeout } from './host-over-stream.js';

export interface RawClient {
  items: HostBoundItem[];
  /** Every line from the device as it arrived (latin1, without its LF), for byte-for-byte checks. */
  lines: string[];
  /** The version lines are decoded in (a v2 session's events carry an eseq, §v2 Events). */
  version: ProtocolVersion;
  write(bytes: Buffer | string): void;
  /** Writes `<seq> <body>*<crc>\n`. */
  send(seq: number, body: string): void;
  /** Resolves with the first item at or after `fromIndex` that matches. */
  waitFor(
    match: (item: HostBoundItem) => boolean,
    timeoutMs?: number,
    fromIndex?: number,
  ): Promise<HostBoundItem>;
  /** send() and wait for the reply with that seq. */
  request(seq: number, body: string, timeoutMs?: number): Promise<Extract<HostBoundItem, { kind: 'reply' }>>;
  close(): Promise<void>;
}

export async function connectRaw(port: SerialPortStream, version: ProtocolVersion = 1): Promise<RawClient> {
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const decoder = new DeviceLineDecoder();
  decoder.version = version;
  const items: HostBoundItem[] = [];
  const lines: string[] = [];
  let partial = '';
  const waiters = new Set<() => void>();
  port.on('data', (chunk: Buffer) => {
    decoder.push(chunk, (item) => items.push(item));
    partial += chunk.toString('latin1');
    for (let lf = partial.indexOf('\n'); lf >= 0; lf = partial.indexOf('\n')) {
      lines.push(partial.slice(0, lf));
      partial = partial.slice(lf + 1);
    }
    for (const wake of [...waiters]) wake();
  });
  port.on('error', () => {});
  const client: RawClient = {
    items,
    lines,
    get version() {
      return decoder.version;
    },
    set version(next: ProtocolVersion) {
      decoder.version = next;
    },
    write(bytes) {
      port.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    },
    send(seq, body) {
      port.write(encodeLine(`${seq} ${body}`));
    },
    waitFor(match, timeoutMs = 2000, fromIndex = 0) {
      let wake: () => void = () => {};
      const promise = new Promise<HostBoundItem>((resolve) => {
        let seen = fromIndex;
        wake = () => {
          for (; seen < items.length; seen++) {
            if (match(items[seen]!)) {
              resolve(items[seen]!);
              return;
            }
          }
        };
        wake();
        waiters.add(wake);
      });
      return withTimeout(promise, timeoutMs, 'a device line').finally(() => waiters.delete(wake));
    },
    async request(seq, body, timeoutMs = 2000) {
      const from = items.length;
      client.send(seq, body);
      const reply = await client.waitFor(
        (item) => item.kind === 'reply' && item.seq === seq,
        timeoutMs,
        from,
      );
      return reply as Extract<HostBoundItem, { kind: 'reply' }>;
    },
    async close() {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    },
  };
  return client;
}
