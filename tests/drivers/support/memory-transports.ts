// An in-memory byte pipe between a motion-api driver and a device model, for the driver contract suites:
// the driver's TransportFactory on one side, the model's receive()/write on the other, every chunk
// delivered on a later microtask (as a port would), and a cable that can be pulled and plugged back.

import type {
  LinkTransport,
  TransportFactory,
  TransportHandlers,
  TransportOpenOptions,
} from '@servo-edge/motion-api';

/** The far end of the cable: a device model. */
export interface PipeDevice {
  /** Bytes from the host, in order. */
  receive(bytes: Uint8Array): void;
}

interface Cable {
  device: PipeDevice;
  plugged: boolean;
  host: TransportHandlers | undefined;
  /** Bytes the host wrote, in order (each write one entry). */
  written: Buffer[];
}

export class MemoryTransports implements TransportFactory {
  private readonly cables = new Map<string, Cable>();

  /** Connects `path` to a device. Returns what the device calls to answer the host. */
  add(path: string, device: PipeDevice): void {
    this.cables.set(path, { device, plugged: true, host: undefined, written: [] });
  }

  /** What a device model is given as its `write`: bytes toward whichever host has the port open. */
  toHost(path: string): (bytes: Uint8Array) => void {
    return (bytes) => {
      const cable = this.cables.get(path);
      const host = cable?.host;
      if (!cable?.plugged || !host) return;
      const copy = Buffer.from(bytes);
      queueMicrotask(() => {
        if (cable.host === host) host.onData(copy);
      });
    };
  }

  async open(options: TransportOpenOptions, handlers: TransportHandlers): Promise<LinkTransport> {
    const cable = this.cables.get(options.path);
    if (!cable) throw new Error(`${options.path}: no such device`);
    if (!cable.plugged) throw new Error(`${options.path}: unplugged`);
    if (cable.host) throw new Error(`${options.path}: already open`);
    cable.host = handlers;
    let closed = false;
    return {
      write: (bytes) => {
        if (closed || !cable.plugged) return;
        cable.written.push(Buffer.from(bytes));
        const copy = Uint8Array.from(bytes);
        queueMicrotask(() => cable.device.receive(copy));
      },
      close: async () => {
        if (closed) return;
        closed = true;
        if (cable.host === handlers) cable.host = undefined;
      },
    };
  }

  /** Pulls the cable: the open port closes with `disconnected`, opens fail until replug(). */
  unplug(path: string): void {
    const cable = this.cables.get(path)!;
    cable.plugged = false;
    const host = cable.host;
    cable.host = undefined;
    host?.onClose({ disconnected: true, message: 'unplugged' });
  }

  replug(path: string): void {
    this.cables.get(path)!.plugged = true;
  }

  /** Every write of the host to `path`, in order. */
  written(path: string): Buffer[] {
    return this.cables.get(path)!.written;
  }
}
