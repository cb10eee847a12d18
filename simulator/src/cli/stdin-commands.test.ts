// servo-sim's stdin commands: the line, power and cable commands act on every model; the e-stop and
// jam commands only on servo-edge controllers, serial-error on a Maestro, hw-error on a Dynamixel bus.

import { ManualClock } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import { createSimulatedController } from '../controller.js';
import { createDynamixelLink } from '../link/dynamixel-link.js';
import { createMaestroLink } from '../link/maestro-link.js';
import { applyStdinCommand } from './stdin-commands.js';

async function links() {
  const clock = new ManualClock();
  const controller = createSimulatedController({ id: 'c', clock, pacing: false });
  const maestro = createMaestroLink({ id: 'm', clock, pacing: false });
  const bus = createDynamixelLink({ id: 'b', clock, pacing: false, servos: [{ id: 1 }, { id: 2 }] });
  for (const link of [controller, maestro, bus]) await link.start();
  return { controller, maestro, bus };
}

describe('servo-sim stdin commands', () => {
  it('reboot, unplug, replug and the line rates act on every model', async () => {
    const { controller, maestro, bus } = await links();
    const all = [controller, maestro, bus];
    expect(applyStdinCommand('reboot', all)).toBe('ok reboot');
    expect(all.map((link) => link.status.bootCount)).toEqual([2, 2, 2]);
    expect(applyStdinCommand('unplug', all)).toBe('ok unplug');
    expect(all.map((link) => link.status.pluggedIn)).toEqual([false, false, false]);
    applyStdinCommand('replug', all);
    expect(applyStdinCommand('drop 0.5', all)).toBe('ok drop 0.5');
    expect(all.map((link) => link.faults.dropRate)).toEqual([0.5, 0.5, 0.5]);
    expect(applyStdinCommand('drop 2', all)).toMatch(/^drop: /);
    expect(applyStdinCommand('garbage 4', all)).toBe('ok garbage 4');
    expect(all.map((link) => link.faults.counts.garbageBytes)).toEqual([4, 4, 4]);
  });

  it('serial-error on a Maestro sets the error bit; on another model it is refused', async () => {
    const { controller, maestro } = await links();
    expect(applyStdinCommand('serial-error overrun', [maestro])).toBe('ok serial-error overrun');
    expect(maestro.maestro.errors).toBe(1 << 1);
    expect(applyStdinCommand('serial-error parity', [maestro])).toMatch(/^usage: serial-error/);
    expect(applyStdinCommand('serial-error overrun', [controller])).toMatch(/does not apply to a servo-edge/);
  });

  it('hw-error ID NAME on a Dynamixel bus latches that servo’s error; an absent ID is reported', async () => {
    const { maestro, bus } = await links();
    expect(applyStdinCommand('hw-error 2 overload', [bus])).toBe('ok hw-error 2 overload');
    expect(bus.bus.servo(2).hardwareErrorStatus).toBe(1 << 5);
    expect(bus.bus.servo(1).hardwareErrorStatus).toBe(0);
    expect(applyStdinCommand('hw-error 9 overload', [bus])).toMatch(/^hw-error: /);
    expect(applyStdinCommand('hw-error 1 gremlins', [bus])).toMatch(/^usage: hw-error ID /);
    expect(applyStdinCommand('estop on', [maestro])).toMatch(/does not apply to a maestro/);
    expect(applyStdinCommand('frobnicate', [bus])).toMatch(/^unknown command/);
  });
});
