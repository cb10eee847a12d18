// The in-process binding keeps serialport's binding contract: open like a device file, reads and
// writes that cancel on close and disconnect on unplug, list() of plugged-in controllers.

import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHost } from '../test-support/host-over-stream.js';
import { SimulatorRegistry } from './registry.js';
import { createSimulatorBinding } from './simulator-binding.js';

describe('simulator binding', () => {
  const registry = new SimulatorRegistry();
  const binding = createSimulatorBinding(registry);
  afterEach(() => registry.closeAll());

  const started = async (id: string) => {
    const controller = registry.create({ id, pacing: false });
    await controller.start();
    return controller;
  };

  it('a SerialPortStream reaches the controller through the binding', async () => {
    await started('smoke');
    const port = new SerialPortStream({ binding, path: 'sim://smoke', baudRate: 115200, autoOpen: false });
    const host = await connectHost(port);
    const info = await host.session.start();
    expect(info.axes).toBe(4);
    expect(await host.session.request('ENABLE', { axis: 1 })).toEqual({ ok: true, fields: {} });
    let moveSeq = 0;
    const reply = await host.session.request(
      'MOVE',
      { axis: 1, pos: 1000, vel: 100000, acc: 1000000 },
      { onSent: (seq) => (moveSeq = seq) },
    );
    expect(reply.ok).toBe(true);
    const done = await host.waitForEvent((e) => e.event === 'DONE');
    expect(done.fields).toEqual({ axis: 1, seq: moveSeq, pos: 1000 });
    await host.close();
  });

  it('opening an unknown, unstarted or unplugged path fails like a missing device (ENOENT)', async () => {
    const notFound = expect.objectContaining({ code: 'SIM_PORT_NOT_FOUND', errno: 'ENOENT' });
    await expect(binding.open({ path: 'sim://nobody', baudRate: 115200 })).rejects.toEqual(notFound);
    const idle = registry.create({ id: 'idle' });
    await expect(binding.open({ path: idle.path, baudRate: 115200 })).rejects.toEqual(notFound);
    const unplugged = await started('unplugged');
    unplugged.faults.unplug();
    await expect(binding.open({ path: unplugged.path, baudRate: 115200 })).rejects.toEqual(notFound);
    unplugged.faults.replug();
    const port = await binding.open({ path: unplugged.path, baudRate: 115200 });
    await port.close();
  });

  it('a port opens exclusively; list() shows started, plugged-in controllers', async () => {
    const a = await started('a');
    await started('b');
    registry.create({ id: 'c' });
    const port = await binding.open({ path: a.path, baudRate: 115200 });
    await expect(binding.open({ path: a.path, baudRate: 115200 })).rejects.toMatchObject({
      code: 'SIM_PORT_LOCKED',
    });
    expect((await binding.list()).map((p) => p.path)).toEqual(['sim://a', 'sim://b']);
    await port.close();
    await expect(port.close()).rejects.toMatchObject({ code: 'SIM_PORT_NOT_OPEN' });
  });

  it('close cancels a pending read (canceled: true); unplug fails it as disconnected', async () => {
    const a = await started('a');
    const port = await binding.open({ path: a.path, baudRate: 115200 });
    await port.flush(); // the BOOT line, if it was delivered
    const read = port.read(Buffer.alloc(64), 0, 64);
    await port.close();
    await expect(read).rejects.toMatchObject({ canceled: true, code: 'SIM_PORT_CANCELED' });

    const again = await binding.open({ path: a.path, baudRate: 115200 });
    await again.flush();
    const pending = again.read(Buffer.alloc(64), 0, 64);
    a.faults.unplug();
    await expect(pending).rejects.toMatchObject({ disconnected: true, code: 'SIM_PORT_DISCONNECTED' });
    await expect(again.write(Buffer.from('1 PING*0000\n'))).rejects.toMatchObject({ disconnected: true });
    await again.close();
  });

  it('reads resolve with at least one byte, never more than asked; drain waits for the wire', async () => {
    const a = await started('a');
    const port = await binding.open({ path: a.path, baudRate: 115200 });
    await port.write(Buffer.from('1 HELLO*7DF0\n'));
    await port.drain();
    const buffer = Buffer.alloc(8);
    let text = '';
    while (!text.includes('1 OK proto=1')) {
      const { bytesRead } = await port.read(buffer, 2, 4);
      expect(bytesRead).toBeGreaterThanOrEqual(1);
      expect(bytesRead).toBeLessThanOrEqual(4);
      text += buffer.subarray(2, 2 + bytesRead).toString('latin1');
    }
    expect(await port.getBaudRate()).toEqual({ baudRate: 115200 });
    await port.close();
  });

  it('a link opens by sim://<id> and by a path naming its model, with or without settings', async () => {
    const a = await started('a');
    expect(registry.get('sim://a')).toBe(a);
    expect(registry.get('sim://servo-edge/a')).toBe(a);
    // A path naming another model, a bad path or a device path reaches nothing.
    expect(registry.get('sim://maestro/a?channels=6')).toBeUndefined();
    expect(registry.get('sim://servo-edge/a?axes=2')).toBeUndefined();
    expect(registry.get('/dev/ttyACM0')).toBeUndefined();
    expect(registry.controller('sim://servo-edge/a')).toBe(a);
    const port = await binding.open({ path: 'sim://servo-edge/a', baudRate: 115200 });
    expect(port.link).toBe(a);
    await port.close();
    await expect(binding.open({ path: 'sim://maestro/a', baudRate: 115200 })).rejects.toMatchObject({
      code: 'SIM_PORT_NOT_FOUND',
    });
  });

  it('the registry refuses a second controller at the same path', async () => {
    registry.create({ id: 'dup' });
    expect(() => registry.create({ id: 'dup' })).toThrow(
      expect.objectContaining({ code: 'SIM_DUPLICATE_PATH' }),
    );
  });

  it('several controllers run at once, one per path', async () => {
    await started('one');
    await started('two');
    const hosts = await Promise.all(
      ['one', 'two'].map((id) =>
        connectHost(
          new SerialPortStream({ binding, path: `sim://${id}`, baudRate: 115200, autoOpen: false }),
        ),
      ),
    );
    for (const host of hosts) await host.session.start();
    await Promise.all(hosts.map((host) => host.session.request('ENABLE', { axis: 2 })));
    expect(['sim://one', 'sim://two'].map((path) => registry.controller(path)!.axis(2).enabled)).toEqual([
      true,
      true,
    ]);
    await Promise.all(hosts.map((host) => host.close()));
  });
});
