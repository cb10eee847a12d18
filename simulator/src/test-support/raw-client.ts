// Test client that writes raw bytes (malformed lines, 0x18 mid-line) and reads the device's lines
// decoded, over any SerialPortStream. Waits are event-driven with bounded timeouts.

import type { SerialPortStream } from '@serialport/stream';
import { DeviceLineDecoder, encodeLine, type HostBoundItem } from '@servo-edge/firmware-protocol';
import { withTimeout } from './host-over-stream.js';

export interface RawClient {
  items: HostBoundItem[];
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

export async function connectRaw(port: SerialPortStream): Promise<RawClient> {
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const decoder = new DeviceLineDecoder();
  const items: HostBoundItem[] = [];
  const waiters = new Set<() => void>();
  port.on('data', (chunk: Buffer) => {
    decoder.push(chunk, (item) => items.push(item));
    for (const wake of [...waiters]) wake();
  });
  port.on('error', () => {});
  const client: RawClient = {
    items,
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
