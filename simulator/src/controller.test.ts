// The controller end to end on a stepped clock: baud pacing of both directions, the executed-command
// log that proves exactly-once, lifecycle (no I/O before start, idempotent close), line faults, the
// protocol it speaks (v2 unless told 1), and the exact past positions a late observer reads.

import { ManualClock } from '@servo-edge/common/testing';
import { encodeLine, wireTimeMs } from '@servo-edge/firmware-protocol';
import { describe, expect, it } from 'vitest';
import { createSimulatedController } from './controller.js';
import { createSteppedHost } from './test-support/stepped-host.js';

describe('simulated controller', () => {
  it('paces both directions: a reply arrives no sooner than command + reply wire time', async () => {
    const clock = new ManualClock();
    const controller = createSimulatedController({ id: 'paced', clock, baud: 9600 });
    await controller.start();
    const received: { atMs: number; bytes: Buffer }[] = [];
    const attachment = controller.attach({
      deliver: (bytes) => received.push({ atMs: clock.monotonicMs(), bytes }),
      unplugged: () => {},
    });
    clock.advanceBy(1000); // BOOT, still on the wire when the host attached
    expect(Buffer.concat(received.map((r) => r.bytes)).toString()).toMatch(/^! BOOT /);
    received.length = 0;
    const command = encodeLine('1 HELLO');
    const start = clock.monotonicMs();
    attachment.write(command);
    while (!Buffer.concat(received.map((r) => r.bytes)).includes(0x0a))
      clock.advanceTo(clock.nextTimerAtMs()!);
    const reply = Buffer.concat(received.map((r) => r.bytes));
    const elapsedMs = received.at(-1)!.atMs - start;
    expect(elapsedMs).toBeGreaterThanOrEqual(wireTimeMs(command.length + reply.length, 9600) - 1e-6);
    expect(elapsedMs).toBeLessThan(wireTimeMs(command.length + reply.length, 9600) + 1);
    await controller.close();
  });

  it('does nothing before start(); start() is idempotent, close() too; start after close fails', async () => {
    const clock = new ManualClock();
    const controller = createSimulatedController({ id: 'life', clock });
    expect(clock.pendingTimers()).toBe(0);
    expect(() => controller.attach({ deliver: () => {}, unplugged: () => {} })).toThrow(
      expect.objectContaining({ code: 'SIM_PORT_NOT_FOUND' }),
    );
    await controller.start();
    await controller.start();
    expect(controller.status).toMatchObject({ started: true, bootCount: 1 });
    await controller.close();
    await controller.close();
    expect(clock.pendingTimers()).toBe(0);
    await expect(controller.start()).rejects.toMatchObject({ code: 'SIM_CONTROLLER_CLOSED' });
    expect(() => controller.axis(5)).toThrow(expect.objectContaining({ code: 'SIM_NO_SUCH_AXIS' }));
  });

  it('checks run-time fault settings like the options: CONFIG_INVALID at faults.<key>, SIM_INVALID_ARGUMENT for a call', () => {
    const controller = createSimulatedController({ id: 'knobs', clock: new ManualClock() });
    controller.faults.corruptRate = 0.5;
    expect(controller.faults.corruptRate).toBe(0.5);
    expect(() => {
      controller.faults.corruptRate = 2;
    }).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        problems: [expect.objectContaining({ code: 'CONFIG_OUT_OF_RANGE', path: 'faults.corruptRate' })],
      }),
    );
    expect(() => {
      controller.faults.direction = 'up' as never;
    }).toThrow(
      expect.objectContaining({
        problems: [expect.objectContaining({ code: 'CONFIG_BAD_VALUE', path: 'faults.direction' })],
      }),
    );
    expect(controller.faults.corruptRate).toBe(0.5);
    expect(() => controller.faults.garbageBurst(-1)).toThrow(
      expect.objectContaining({ code: 'SIM_INVALID_ARGUMENT' }),
    );
  });

  it('logs every executed command once with its session and seq', async () => {
    const host = createSteppedHost();
    await host.hello();
    await host.call('PING', {});
    await host.call('GET', { axis: 3 });
    expect(host.controller.executed.map((e) => [e.session, e.seq, e.verb, e.args])).toEqual([
      [1, 2, 'PING', {}],
      [1, 3, 'GET', { axis: 3 }],
    ]);
    expect(host.controller.executionCount(3)).toBe(1);
  });

  it('exactly once over 2000 commands on a line with 1% corrupted bytes each way', async () => {
    const host = createSteppedHost(
      { faults: { corruptRate: 0.01 }, seed: 11 },
      { maxRetransmits: 50, maxPendingRequests: 4096 },
    );
    await host.hello();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++)
      calls.push(host.session.request('SET', { axis: 1, key: 'FERR', value: i + 1 }));
    await host.run(Promise.all(calls), 3_600_000);
    const sets = host.controller.executed.filter((e) => e.verb === 'SET');
    // In order, each once: the values 1..2000 in sequence.
    expect(sets.map((e) => e.args.value)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(host.controller.faults.counts.corrupted).toBeGreaterThan(100);
    expect(host.controller.axis(1).limits.ferrCounts).toBe(2000);
  });

  it('garbage toward the host is survived; a withheld reply is retransmitted and answered from the cache', async () => {
    const host = createSteppedHost();
    await host.hello();
    host.controller.faults.garbageBurst(500);
    host.controller.faults.garbageBurst(500, 'toDevice');
    expect((await host.call('PING', {})).ok).toBe(true);
    host.controller.faults.withholdNextReply();
    await host.call('ENABLE', { axis: 1 });
    expect(host.session.stats.retransmits).toBeGreaterThan(0);
    const enables = host.controller.executed.filter((e) => e.verb === 'ENABLE');
    expect(enables).toHaveLength(1);
    expect(host.controller.status.estopLatched).toBe(false);
  });

  it('speaks v2 to HELLO 2 by default; with protocol: 1 it is a v1-only device', async () => {
    const v2 = createSteppedHost({ pacing: false }, { maxProtocol: 2 });
    await v2.hello();
    expect(v2.session.deviceInfo).toMatchObject({ proto: 2, pmax: 2 ** 47 - 1, ev: 16 });
    const v1Only = createSteppedHost({ pacing: false, protocol: 1 }, { maxProtocol: 2 });
    await v1Only.hello();
    expect(v1Only.session.deviceInfo?.proto).toBe(1);
    // BOOT of a v1-only device is exactly v1's; a v2 device adds max=2 (§v2 Negotiation).
    expect(v1Only.events.find((e) => e.event === 'BOOT')?.fields).toEqual({ fw: '1.0.0', proto: 1, axes: 4 });
  });

  it('positionAt: where an axis was at a past instant, exactly as it was read then', async () => {
    const host = createSteppedHost({ pacing: false }, { maxProtocol: 2 });
    await host.hello();
    await host.call('ENABLE', { axis: 1 });
    await host.move(1, 20_000, 10_000, 100_000);
    const readings: [number, number][] = [];
    for (let i = 0; i < 30; i++) {
      await host.advance(83);
      readings.push([host.clock.monotonicMs(), host.controller.axis(1).positionCounts]);
    }
    // Read back later in one go: the same positions (one rounding apart at most).
    for (const [atMs, positionCounts] of readings) {
      expect(host.controller.positionAt(1, atMs)).toBeCloseTo(positionCounts, 6);
    }
    expect(host.controller.positionAt(1, -1)).toBeUndefined();
    expect(() => host.controller.positionAt(5, 0)).toThrow(
      expect.objectContaining({ code: 'SIM_NO_SUCH_AXIS' }),
    );
  });
});
