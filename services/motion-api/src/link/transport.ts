// The one transport seam of a controller link: open a byte pipe to a path, get bytes and a close
// notice back. The serialport implementation (native or simulator binding) and test fakes share it.

/** Why a transport closed without being asked to (an unplug, an I/O error). */
export interface TransportCloseInfo {
  /** true when the device went away (USB unplug, pty closed): the same flag node-serialport sets. */
  disconnected: boolean;
  message: string;
}

export interface TransportHandlers {
  /** Bytes from the device, any chunking. */
  onData(chunk: Buffer): void;
  /** The transport closed on its own. Never called after close() was called. Called at most once. */
  onClose(info: TransportCloseInfo): void;
}

/** One open connection. */
export interface LinkTransport {
  /**
   * Queues bytes for the device, in order. Must not throw: a failed write surfaces as onClose.
   * Bytes are written in call order, so an e-stop byte is behind at most what was written before it.
   */
  write(bytes: Buffer): void;
  /** Closes the connection; resolves when closed. Idempotent; onClose is not called for it. */
  close(): Promise<void>;
}

export interface TransportOpenOptions {
  path: string;
  baud: number;
}

/** Opens connections; rejects when the path cannot be opened (absent device, permission). */
export interface TransportFactory {
  open(options: TransportOpenOptions, handlers: TransportHandlers): Promise<LinkTransport>;
}
