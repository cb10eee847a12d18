// Port listing: udev enumeration with by-id links, and the /dev scan when enumeration fails (no udevadm).

import { describe, expect, it } from 'vitest';
import { listSerialPorts, type PortListDeps } from './list-serial-ports.js';

const fakeFs = (): Required<Pick<PortListDeps, 'readdir' | 'realpath'>> => ({
  readdir: async (dir) => {
    if (dir === '/dev/serial/by-id') return ['usb-FTDI_FT232R_USB_UART_A10K3XYZ-if00-port0'];
    if (dir === '/dev') return ['tty', 'tty0', 'ttyS0', 'ttyUSB0', 'ttyACM0', 'ttyACM1', 'null', 'ttyAMA0'];
    throw Object.assign(new Error('no such dir'), { code: 'ENOENT' });
  },
  realpath: async (path) => (path.endsWith('A10K3XYZ-if00-port0') ? '/dev/ttyUSB0' : path),
});

describe('listSerialPorts', () => {
  it('uses the udev enumeration when it works, adding by-id links', async () => {
    const listing = await listSerialPorts({
      ...fakeFs(),
      enumerate: async () => [
        {
          path: '/dev/ttyUSB0',
          manufacturer: 'FTDI',
          serialNumber: 'A10K3XYZ',
          vendorId: '0403',
          productId: '6001',
        },
        { path: '/dev/ttyACM0', manufacturer: 'Arduino', pnpId: 'usb-Arduino_Uno_123-if00' },
      ],
    });
    expect(listing.source).toBe('udev');
    expect(listing.warning).toBeUndefined();
    expect(listing.ports.map((p) => [p.path, p.byId, p.vendorId])).toEqual([
      ['/dev/ttyACM0', '/dev/serial/by-id/usb-Arduino_Uno_123-if00', undefined],
      ['/dev/ttyUSB0', '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3XYZ-if00-port0', '0403'],
    ]);
  });

  it('falls back to scanning /dev when enumeration fails, with EDGE_PORTS_LIST_FAILED', async () => {
    const listing = await listSerialPorts({
      ...fakeFs(),
      enumerate: async () => {
        throw Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
      },
    });
    expect(listing.source).toBe('scan');
    expect(listing.warning?.code).toBe('EDGE_PORTS_LIST_FAILED');
    expect(listing.ports.map((p) => [p.path, p.byId])).toEqual([
      ['/dev/ttyACM0', undefined],
      ['/dev/ttyACM1', undefined],
      ['/dev/ttyUSB0', '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K3XYZ-if00-port0'],
    ]);
  });

  it('finds nothing on a machine without serial devices, without failing', async () => {
    const listing = await listSerialPorts({
      readdir: async () => [],
      realpath: async (p) => p,
      enumerate: async () => {
        throw new Error('no udev');
      },
    });
    expect(listing.ports).toEqual([]);
  });

  it('runs against this machine: the real bindings, or the fallback with a warning', async () => {
    const listing = await listSerialPorts();
    expect(['udev', 'scan']).toContain(listing.source);
    if (listing.source === 'scan') expect(listing.warning?.code).toBe('EDGE_PORTS_LIST_FAILED');
  });
});
