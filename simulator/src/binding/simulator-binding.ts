// A serialport binding (@serialport/bindings-interface) whose ports are simulated links (servo-edge
// controllers, Maestros, Dynamixel buses), so `new SerialPortStream({ binding, path: 'sim://ctrl1',
// baudRate })` runs the same stream code as hardware.

import { SimulatorError } from '../errors.js';
import type { SimulatorRegistry } from './registry.js';
import type { BindingInterface, OpenOptions, PortInfo } from './serialport-types.js';
import { SimulatorPort } from './simulator-port.js';

/** A BindingInterface whose open() yields simulated ports. */
export interface SimulatorBinding extends BindingInterface {
  list(): Promise<PortInfo[]>;
  open(options: OpenOptions): Promise<SimulatorPort>;
}

export function createSimulatorBinding(registry: SimulatorRegistry): SimulatorBinding {
  return {
    /** Links that are started and plugged in: what an OS would enumerate. */
    async list(): Promise<PortInfo[]> {
      return registry
        .list()
        .filter((c) => c.status.started && !c.status.closed && c.status.pluggedIn)
        .map((c) => ({
          path: c.path,
          manufacturer: 'servo-edge simulator',
          serialNumber: c.id,
          pnpId: undefined,
          locationId: undefined,
          productId: undefined,
          vendorId: undefined,
        }));
    },

    /** Fails with SIM_PORT_NOT_FOUND (errno ENOENT) for an unknown, stopped or unplugged path, like a missing device. */
    async open(options: OpenOptions): Promise<SimulatorPort> {
      if (!options || typeof options !== 'object' || Array.isArray(options)) {
        throw new TypeError('"options" is not an object');
      }
      if (!options.path) throw new TypeError('"path" is not a valid port');
      if (!options.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
      const openOptions: Required<OpenOptions> = {
        dataBits: 8,
        lock: true,
        stopBits: 1,
        parity: 'none',
        rtscts: false,
        xon: false,
        xoff: false,
        xany: false,
        hupcl: true,
        ...options,
      };
      // An OS open completes on a later turn of the event loop; so does this one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const link = registry.get(options.path);
      if (!link) {
        throw new SimulatorError('SIM_PORT_NOT_FOUND', `cannot open ${options.path}`, { errno: 'ENOENT' });
      }
      const port = new SimulatorPort(link, openOptions);
      port.connect();
      return port;
    },
  };
}
