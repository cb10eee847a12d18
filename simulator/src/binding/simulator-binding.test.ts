// The in-process binding under SerialPortStream: open, talk, close, unplug and replug like hardware.

import { SerialPortStream } from '@serialport/stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connectHost } from '../test-support/host-over-stream.js';
import { SimulatorRegistry } from './registry.js';
import { createSimulatorBinding } from './simulator-binding.js';

describe('simulator binding', () => {
  const registry = new SimulatorRegistry();
  const binding = createSimulatorBinding(registry);
  afterEach(() => registry.closeAll());

  it('a SerialPortStream reaches the controller through the binding', async () => {
    const controller = registry.create({ id: 'smoke' });
    await controller.start();
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
});
