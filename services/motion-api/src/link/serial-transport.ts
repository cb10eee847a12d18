// TransportFactory over node-serialport: SerialPortStream with the native binding for device paths
// and the injected simulator binding for sim:// paths, so both take the same code path.

import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { isSimPath, SIM_PATH_PREFIX } from '@servo-edge/firmware-protocol';
import type {
  LinkTransport,
  TransportFactory,
  TransportHandlers,
  TransportOpenOptions,
} from './transport.js';

/** `sim://`: one constant for every package, declared in firmware-protocol (this name is an alias). */
export const SIMULATOR_PATH_PREFIX = SIM_PATH_PREFIX;

/** @serialport/bindings-interface's BindingInterface, as SerialPortStream takes it. */
export type SerialBinding = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

export interface SerialTransportOptions {
  /** Binding for sim:// paths (the simulator's createSimulatorBinding(registry)). */
  simulatorBinding?: SerialBinding;
  /** Binding for every other path; the native autoDetect() binding by default. */
  nativeBinding?: SerialBinding;
}

export function createSerialTransportFactory(options: SerialTransportOptions = {}): TransportFactory {
  let native = options.nativeBinding;
  const bindingFor = (path: string): SerialBinding => {
    if (isSimPath(path)) {
      if (!options.simulatorBinding)
        throw new Error(`${path}: no simulator binding was given for sim:// paths`);
      return options.simulatorBinding;
    }
    // Loaded on first use so a simulator-only set-up never touches the native module.
    native ??= autoDetect() as unknown as SerialBinding;
    return native;
  };
  return {
    async open(open: TransportOpenOptions, handlers: TransportHandlers): Promise<LinkTransport> {
      const port = new SerialPortStream({
        binding: bindingFor(open.path),
        path: open.path,
        baudRate: open.baud,
        autoOpen: false,
      });
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
      return wrapPort(port, handlers);
    },
  };
}

function wrapPort(port: SerialPortStream, handlers: TransportHandlers): LinkTransport {
  let closing: Promise<void> | undefined;
  let reported = false;
  const report = (disconnected: boolean, message: string) => {
    if (reported || closing) return;
    reported = true;
    handlers.onClose({ disconnected, message });
    // A port that errored may still be open: close it so the path can be reopened.
    if (port.isOpen) port.close();
  };
  port.on('data', (chunk: Buffer) => {
    if (!closing && !reported) handlers.onData(chunk);
  });
  port.on('close', (error?: Error & { disconnected?: boolean }) => {
    report(error?.disconnected ?? true, error?.message ?? 'port closed');
  });
  // Write errors and the like: without a listener they would crash the process.
  port.on('error', (error: Error & { disconnected?: boolean }) => {
    report(error.disconnected ?? false, error.message);
  });
  return {
    write(bytes) {
      if (closing || reported) return;
      port.write(bytes);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve();
          return;
        }
        port.close(() => resolve());
      });
      return closing;
    },
  };
}
