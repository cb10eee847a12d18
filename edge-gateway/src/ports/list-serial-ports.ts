// Lists serial ports: udev enumeration through @serialport/bindings-cpp, or a /dev scan when that is unavailable.

import { readdir, realpath } from 'node:fs/promises';
import { GatewayError } from '../errors.js';

export interface SerialPortEntry {
  /** The device node, e.g. /dev/ttyACM0. */
  path: string;
  /** The stable /dev/serial/by-id/... link to it, when udev made one: use this in configs. */
  byId: string | undefined;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
  vendorId: string | undefined;
  productId: string | undefined;
}

export interface PortListing {
  ports: SerialPortEntry[];
  /** `udev`: full enumeration; `scan`: the fallback (device nodes and by-id links only). */
  source: 'udev' | 'scan';
  /** Set when the enumeration failed and the scan was used instead. */
  warning: GatewayError | undefined;
}

/** What bindings-cpp's `list()` returns, as far as used here. */
export interface EnumeratedPort {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

export interface PortListDeps {
  /** Default: `autoDetect().list()` from @serialport/bindings-cpp (needs udevadm on Linux). */
  enumerate?: () => Promise<EnumeratedPort[]>;
  readdir?: (dir: string) => Promise<string[]>;
  realpath?: (path: string) => Promise<string>;
}

const BY_ID_DIR = '/dev/serial/by-id';
/** USB CDC-ACM (most Arduino-class boards) and USB-serial adapters (FTDI, CH340, CP210x). */
const DEVICE_NODE = /^tty(ACM|USB)\d+$/;

async function enumerateWithBindings(): Promise<EnumeratedPort[]> {
  // Loaded on demand: check-config must not need the native addon.
  const { autoDetect } = await import('@serialport/bindings-cpp');
  return autoDetect().list();
}

export async function listSerialPorts(deps: PortListDeps = {}): Promise<PortListing> {
  const enumerate = deps.enumerate ?? enumerateWithBindings;
  const byIdLinks = await scanByIdLinks(deps);
  try {
    const ports = await enumerate();
    return {
      source: 'udev',
      warning: undefined,
      ports: ports
        .map((port) => ({
          path: port.path,
          byId: byIdLinks.get(port.path) ?? (port.pnpId ? `${BY_ID_DIR}/${port.pnpId}` : undefined),
          manufacturer: port.manufacturer,
          serialNumber: port.serialNumber,
          vendorId: port.vendorId,
          productId: port.productId,
        }))
        .sort((a, b) => a.path.localeCompare(b.path)),
    };
  } catch (cause) {
    const reason =
      (cause as { code?: string }).code === 'ENOENT'
        ? 'udevadm not found'
        : String((cause as Error).message ?? cause);
    const warning = new GatewayError(
      'EDGE_PORTS_LIST_FAILED',
      `${reason}; listing ${BY_ID_DIR} and /dev/ttyACM*, /dev/ttyUSB* instead`,
      {
        cause,
      },
    );
    return { source: 'scan', warning, ports: await scanDevices(deps, byIdLinks) };
  }
}

/** device node -> its /dev/serial/by-id link. */
async function scanByIdLinks(deps: PortListDeps): Promise<Map<string, string>> {
  const list = deps.readdir ?? ((dir: string) => readdir(dir));
  const resolve = deps.realpath ?? ((path: string) => realpath(path));
  const links = new Map<string, string>();
  for (const name of await list(BY_ID_DIR).catch(() => [] as string[])) {
    const link = `${BY_ID_DIR}/${name}`;
    const target = await resolve(link).catch(() => undefined);
    if (target !== undefined) links.set(target, link);
  }
  return links;
}

async function scanDevices(deps: PortListDeps, byIdLinks: Map<string, string>): Promise<SerialPortEntry[]> {
  const list = deps.readdir ?? ((dir: string) => readdir(dir));
  const nodes = new Set<string>(byIdLinks.keys());
  for (const name of await list('/dev').catch(() => [] as string[])) {
    if (DEVICE_NODE.test(name)) nodes.add(`/dev/${name}`);
  }
  return [...nodes].sort().map((path) => ({
    path,
    byId: byIdLinks.get(path),
    manufacturer: undefined,
    serialNumber: undefined,
    vendorId: undefined,
    productId: undefined,
  }));
}
