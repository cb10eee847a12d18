// One open simulated port: the BindingPortInterface a SerialPortStream drives, wired to a link's
// host end (whatever device is at its far end). It keeps serialport's contract: reads resolve with at least one byte, reads and writes in
// progress fail with `canceled: true` when the port closes, and an unplug fails them with
// `disconnected: true` (the stream then closes the port, as it does for a pulled USB adapter).

import { SimulatorError } from '../errors.js';
import type { Attachment, HostEndpoint, SimulatedLink } from '../types.js';
import type {
  BindingPortInterface,
  OpenOptions,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from './serialport-types.js';

/** Like an OS tty's output buffer: write() resolves at once until this much is queued on the wire. */
const TX_BUFFER_BYTES = 4096;
/** Like an OS tty's input buffer: bytes beyond this, unread, are lost (an overrun). */
const RX_BUFFER_BYTES = 64 * 1024;

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve(result: { buffer: Buffer; bytesRead: number }): void;
  reject(error: Error): void;
}

function checkBuffer(buffer: unknown): asserts buffer is Buffer {
  if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
}

export class SimulatorPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  private attachment: Attachment | undefined;
  private open = true;
  private unplugged = false;
  private rx: Buffer[] = [];
  private rxBytes = 0;
  private pendingRead: PendingRead | undefined;
  /** Bytes dropped because nobody read them (for tests of slow readers). */
  overrunBytes = 0;

  constructor(
    readonly link: SimulatedLink,
    openOptions: Required<OpenOptions>,
  ) {
    this.openOptions = openOptions;
  }

  /** @internal Called by the binding's open(): connects to the link. Throws like a failed open. */
  connect(): void {
    const host: HostEndpoint = {
      deliver: (bytes) => this.deliver(bytes),
      unplugged: () => this.onUnplugged(),
    };
    this.attachment = this.link.attach(host);
  }

  get isOpen(): boolean {
    return this.open;
  }

  async close(): Promise<void> {
    if (!this.open) throw new SimulatorError('SIM_PORT_NOT_OPEN', this.link.path);
    this.open = false;
    this.attachment?.detach();
    this.attachment = undefined;
    this.rx = [];
    this.rxBytes = 0;
    this.failPendingRead(new SimulatorError('SIM_PORT_CANCELED', 'port closed', { canceled: true }));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    checkBuffer(buffer);
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 1) {
      throw new TypeError('"offset" and "length" must be integers, length >= 1');
    }
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    if (!this.open) throw new SimulatorError('SIM_PORT_CANCELED', 'port is not open', { canceled: true });
    if (this.pendingRead) throw new SimulatorError('SIM_INVALID_ARGUMENT', 'a read is already in progress');
    if (this.rxBytes > 0) return this.take(buffer, offset, length);
    if (this.unplugged) throw this.disconnectedError();
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
    });
  }

  async write(buffer: Buffer): Promise<void> {
    checkBuffer(buffer);
    if (!this.open) throw new SimulatorError('SIM_PORT_NOT_OPEN', this.link.path);
    if (this.unplugged || !this.attachment) throw this.disconnectedError();
    const attachment = this.attachment;
    // Copy: the caller may reuse its buffer once write() resolves.
    attachment.write(Buffer.from(buffer));
    if (attachment.pendingToDeviceBytes > TX_BUFFER_BYTES) {
      await attachment.drained();
      if (!this.open)
        throw new SimulatorError('SIM_PORT_CANCELED', 'port closed during write', { canceled: true });
    }
  }

  async update(options: UpdateOptions): Promise<void> {
    if (typeof options !== 'object' || typeof options.baudRate !== 'number' || options.baudRate <= 0) {
      throw new TypeError('"options.baudRate" must be a positive number');
    }
    this.checkOpen();
    // The simulated line runs at the controller's rate whatever the host asks; this is only recorded.
    this.openOptions.baudRate = options.baudRate;
  }

  async set(_options: SetOptions): Promise<void> {
    this.checkOpen();
  }

  async get(): Promise<PortStatus> {
    this.checkOpen();
    return { cts: true, dsr: true, dcd: !this.unplugged };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.checkOpen();
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    this.checkOpen();
    this.rx = [];
    this.rxBytes = 0;
    this.attachment?.flush();
  }

  async drain(): Promise<void> {
    this.checkOpen();
    await this.attachment?.drained();
  }

  private checkOpen(): void {
    if (!this.open) throw new SimulatorError('SIM_PORT_NOT_OPEN', this.link.path);
  }

  private disconnectedError(): SimulatorError {
    return new SimulatorError('SIM_PORT_DISCONNECTED', this.link.path, {
      disconnected: true,
      errno: 'EIO',
    });
  }

  private deliver(bytes: Buffer): void {
    if (!this.open) return;
    const room = RX_BUFFER_BYTES - this.rxBytes;
    if (bytes.length > room) {
      this.overrunBytes += bytes.length - room;
      bytes = bytes.subarray(0, room);
    }
    if (bytes.length === 0) return;
    this.rx.push(Buffer.from(bytes));
    this.rxBytes += bytes.length;
    const pending = this.pendingRead;
    if (pending) {
      this.pendingRead = undefined;
      pending.resolve(this.take(pending.buffer, pending.offset, pending.length));
    }
  }

  private onUnplugged(): void {
    this.unplugged = true;
    this.attachment = undefined;
    // Bytes already in the OS buffer stay readable; a read waiting for more fails as a real unplug does.
    this.failPendingRead(this.disconnectedError());
  }

  private failPendingRead(error: Error): void {
    const pending = this.pendingRead;
    this.pendingRead = undefined;
    pending?.reject(error);
  }

  private take(buffer: Buffer, offset: number, length: number): { buffer: Buffer; bytesRead: number } {
    let bytesRead = 0;
    while (bytesRead < length && this.rx.length > 0) {
      const head = this.rx[0]!;
      const n = Math.min(head.length, length - bytesRead);
      head.copy(buffer, offset + bytesRead, 0, n);
      bytesRead += n;
      if (n === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(n);
    }
    this.rxBytes -= bytesRead;
    return { buffer, bytesRead };
  }
}
