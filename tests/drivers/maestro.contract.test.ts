// The Pololu Maestro driver's contract, run over every transport to the simulated Maestro (describe.each):
// connect, discover, move and complete, coordinated move, stop, software stop, watchdog, error reporting,
// unplug and replug, a device that answers garbage. The model is the simulator's own (it imports nothing
// of the driver's codec), so the two check each other. Time is a stepped clock; numbered comments narrate
// the order where it matters.

import { describe, expect, it } from 'vitest';
import {
  deviceEvents,
  garbageRandom,
  moveDone,
  replugAndReconnect,
  rigPerTest,
  unplugWhileMoving,
} from './support/contract-steps.js';
import { MAESTRO_TRANSPORTS, type MaestroRig } from './support/maestro-rig.js';
import { settle } from './support/settle.js';

/** Quarter-microseconds per degree of the hobby servo axes (1000..2000 µs = -90..+90 deg). */
const COUNTS_PER_DEG = 2000 / 90;
const counts = (deg: number) => Math.round(6000 + deg * COUNTS_PER_DEG);

describe.each(MAESTRO_TRANSPORTS)('Maestro driver over $name', (transport) => {
  const start = rigPerTest(transport);
  /** Both channels on, then at 0 deg together. */
  const enableAndCentre = async (r: MaestroRig) => {
    await r.call(r.service.enable('servo0'));
    await r.call(r.service.enable('servo1'));
    const centre = await r.call(
      r.service.moveCoordinated({
        axes: [
          { axis: 'servo0', position: 0 },
          { axis: 'servo1', position: 0 },
        ],
      }),
    );
    await r.until(moveDone(r, centre), 'centred');
  };

  describe.skipIf(transport.skipReason !== undefined)('contract', () => {
    it('connects and discovers: capabilities, channels off at power-on (limp, position unknown)', async () => {
      const r = await start();
      const [controller] = r.service.controllers();
      expect(controller).toMatchObject({
        driver: 'maestro',
        state: 'ready',
        capabilities: {
          protocol: 'maestro-compact',
          moveQueue: 'host',
          completion: 'polling',
          position: 'absolute',
          hardwareWatchdog: false,
          realtimeStop: false,
          commands: { home: 'none', jog: 'host', power: 'native' },
        },
      });
      expect(r.service.axis('servo0')).toMatchObject({ state: 'DISABLED', position: null, homed: true });
      // Homing is refused before anything is sent: a servo's position is its pulse width.
      const before = r.written().length;
      await expect(r.service.home('servo0')).rejects.toMatchObject({ code: 'NOT_SUPPORTED_BY_CONTROLLER' });
      expect(r.written().length).toBe(before);
      // A limp channel refuses moves until it is enabled.
      await expect(r.service.move('servo0', { position: 10 })).rejects.toMatchObject({
        code: 'AXIS_DISABLED',
      });
    });

    it('moves at the requested speed and completes when Get Position reads the target', async () => {
      const r = await start();
      await r.call(r.service.enable('servo0'));
      // 1. The first target after power-on starts the pulses: the servo jumps there (nothing to ramp from).
      const first = await r.call(r.service.move('servo0', { position: 0 }));
      await r.until(moveDone(r, first), 'the first move is done');
      expect(r.model!.channel(0).positionQuarterUs).toBe(6000);
      // 2. 0 -> 45 deg at 90 deg/s: 1000 quarter-µs at 2000 quarter-µs/s, Set Speed 20 (§5.e).
      const move = await r.call(r.service.move('servo0', { position: 45, velocity: 90, acceleration: 3000 }));
      await r.until(() => r.service.axis('servo0').state === 'MOVING', 'reported moving');
      const tookMs = await r.until(moveDone(r, move), 'the move is done');
      expect(r.model!.channel(0)).toMatchObject({ speed: 20, targetQuarterUs: counts(45) });
      // Half a second of travel, plus the ramps and at most one 20 ms poll (in real time, a loaded
      // machine adds its own delays: only the lower bound is exact there).
      expect(tookMs).toBeGreaterThanOrEqual(480);
      expect(tookMs).toBeLessThan(r.stepped ? 700 : 3000);
      expect(r.service.getMove(move.moveId).legs[0]!.finalPosition).toBeCloseTo(45, 1);
      await r.until(() => r.service.axis('servo0').state === 'IDLE', 'read back idle');
      expect(r.service.axis('servo0').queue).toEqual({ device: 0, open: 0 });
    });

    it('queues moves on the host and runs them one after another', async () => {
      const r = await start();
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: 0 }))), 'centred');
      const a = await r.call(r.service.move('servo0', { position: 30, velocity: 180 }));
      const b = await r.call(r.service.move('servo0', { position: -30, velocity: 180 }));
      await r.until(() => r.service.axis('servo0').queue.device === 2, 'two moves queued on the host');
      // While the first runs, the channel's target is the first move's.
      await r.until(() => r.model!.channel(0).positionQuarterUs > 6100, 'the first move runs');
      expect(r.model!.channel(0).targetQuarterUs).toBe(counts(30));
      await r.until(moveDone(r, a), 'the first move is done');
      expect(r.service.getMove(b.moveId).status).toBe('queued');
      await r.until(moveDone(r, b), 'the second move is done');
      expect(r.model!.channel(0).positionQuarterUs).toBe(counts(-30));
    });

    it('a coordinated move starts both channels together and they arrive together', async () => {
      const r = await start({ model: { channels: 12 } });
      await enableAndCentre(r);
      const writesBefore = r.written().length;
      const move = await r.call(
        r.service.moveCoordinated({
          axes: [
            { axis: 'servo0', position: 60, velocity: 120 },
            { axis: 'servo1', position: -30, velocity: 120 },
          ],
        }),
      );
      // §5.e Set Multiple Targets (0x9F) on a Mini Maestro: one packet for a contiguous block.
      const writes = r.written().slice(writesBefore);
      expect(writes.filter((w) => w[0] === 0x9f)).toHaveLength(1);
      // The shorter leg is slowed to arrive with the longer one (once the bytes are across the wire).
      await r.until(() => r.model!.channel(0).moving || r.model!.channel(1).moving, 'moving');
      expect(r.model!.channel(1).speed).toBeLessThan(r.model!.channel(0).speed);
      await r.until(() => !r.model!.channel(0).moving && !r.model!.channel(1).moving, 'both arrived');
      await r.until(moveDone(r, move), 'the move is done');
    });

    it('stop: the running and queued moves end ABORTED short of their targets', async () => {
      const r = await start();
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: -80 }))), 'at -80');
      const a = await r.call(r.service.move('servo0', { position: 80, velocity: 60 }));
      const b = await r.call(r.service.move('servo0', { position: 0 }));
      await r.until(() => (r.service.axis('servo0').position ?? -80) > -40, 'half way');
      await r.call(r.service.stop('servo0'));
      await settle();
      expect(r.service.getMove(a.moveId).status).toBe('aborted');
      expect(r.service.getMove(b.moveId).status).toBe('aborted');
      await r.until(() => !r.model!.channel(0).moving, 'stopped');
      expect(r.model!.channel(0).positionQuarterUs).toBeLessThan(counts(0));
      expect(r.service.axis('servo0').state).toBe('IDLE');
    });

    it('the software stop: hold keeps a channel where it is, limp stops its pulses; moves refused until reset', async () => {
      const r = await start();
      await enableAndCentre(r);
      const hold = await r.call(r.service.move('servo0', { position: 80, velocity: 40 }));
      const limp = await r.call(r.service.move('servo1', { position: 80, velocity: 40 }));
      await r.until(() => (r.service.axis('servo0').position ?? 0) > 20, 'under way');
      const result = r.service.estop();
      expect(result.delivered).toBe(true);
      await settle();
      expect(r.service.getMove(hold.moveId).status).toBe('aborted');
      expect(r.service.getMove(limp.moveId).status).toBe('aborted');
      // hold: the channel's target became the position last read; limp: 0, no pulses.
      await r.until(() => r.model!.channel(1).positionQuarterUs === 0, 'the stop is across the wire');
      expect(r.model!.channel(0).targetQuarterUs).toBeGreaterThan(counts(20));
      expect(r.model!.channel(0).targetQuarterUs).toBeLessThan(counts(80));
      expect(r.model!.channel(1).positionQuarterUs).toBe(0);
      expect(deviceEvents(r, 'ESTOP')).toHaveLength(1);
      await expect(r.service.move('servo0', { position: 0 })).rejects.toMatchObject({ code: 'AXIS_ESTOP' });
      // Reset clears the latch; the limp channel is disabled and must be enabled again.
      expect((await r.call(r.service.resetEstop())).ok).toBe(true);
      // Each channel is read back after the reset, one after the other (in real time, servo1 a little later).
      await r.until(() => r.service.axis('servo0').state === 'IDLE', 'servo0 idle');
      await r.until(() => r.service.axis('servo1').state === 'DISABLED', 'servo1 read back disabled');
      expect(r.service.axis('servo1').state).toBe('DISABLED');
      const again = await r.call(r.service.move('servo0', { position: 0 }));
      await r.until(moveDone(r, again), 'moving again after the reset');
    });

    it("watchdog: the Maestro's serial timeout (set in the Control Center) trips when the host is quiet, and is reported", async () => {
      const r = await start({
        model: { serialTimeoutMs: 300 },
        patch: (raw) => {
          raw.controllers[0].streamHz = 0;
          raw.controllers[0].maestro.errorPollMs = 1000;
        },
      });
      // No telemetry and nothing moving: only Get Errors, every second, reaches the Maestro.
      await r.until(() => deviceEvents(r, 'ERRORS').length > 0, 'the serial timeout is reported', 3000);
      expect(deviceEvents(r, 'ERRORS')[0]!.fields).toMatchObject({ errors: ['SERIAL_TIMEOUT'] });
      // Telemetry keeps the Maestro's timeout from tripping while the host is alive.
      expect(r.service.controllers()[0]!.capabilities.hardwareWatchdog).toBe(false);
    });

    it('error reporting: an error bit is shown by name, and the moves it cut short are aborted', async () => {
      const r = await start();
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: 0 }))), 'centred');
      const move = await r.call(r.service.move('servo0', { position: 80, velocity: 30 }));
      await r.until(() => r.model!.channel(0).moving, 'moving');
      // §4.b Errors: every error sends every servo to its home setting (off, by default).
      r.model!.injectError('SERIAL_OVERRUN');
      await r.until(() => deviceEvents(r, 'ERRORS').length > 0, 'the error is reported');
      expect(deviceEvents(r, 'ERRORS')[0]!.fields).toMatchObject({ errors: ['SERIAL_OVERRUN'], register: 2 });
      await settle();
      expect(r.service.getMove(move.moveId)).toMatchObject({ status: 'aborted' });
      // Get Errors cleared the register: it is reported once.
      const reportedAt = r.clock.monotonicMs();
      await r.until(() => r.clock.monotonicMs() - reportedAt > 1200, 'two more error polls');
      expect(deviceEvents(r, 'ERRORS')).toHaveLength(1);
    });

    it('clamps a speed the Maestro cannot express, and says so', async () => {
      const r = await start();
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: 0 }))), 'centred');
      // 1 deg/s is 22 quarter-µs/s, below one speed unit (100 quarter-µs/s): it runs at 4.5 deg/s.
      await r.call(r.service.move('servo0', { position: 1, velocity: 1 }));
      const clamps = deviceEvents(r, 'NOTICE').filter((e) => e.fields.name === 'RATE_CLAMPED');
      expect(clamps).toHaveLength(1);
      expect(clamps[0]!.fields).toMatchObject({
        what: 'velocity',
        maestroUnits: 1,
        sent: 100,
        clamped: 'raised',
      });
      await r.until(() => r.model!.channel(0).speed === 1, 'Set Speed 1 is across the wire');
    });

    it("a target the channel's own range clamps ends ABORTED where the Maestro stopped it", async () => {
      const r = await start({ model: { channelSettings: [{ maxQuarterUs: counts(60) }] } });
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: 0 }))), 'centred');
      const move = await r.call(r.service.move('servo0', { position: 80, velocity: 180 }));
      await r.until(() => r.service.getMove(move.moveId).status === 'aborted', 'aborted at the clamp');
      expect(r.service.axis('servo0').position).toBeCloseTo(60, 0);
    });

    it('a slow start under 200 Hz polling is not taken for a clamp (the Micro may answer 0 to Get Moving State)', async () => {
      const r = await start({ patch: (raw) => (raw.controllers[0].streamHz = 200) });
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: 0 }))), 'centred');
      // One acceleration unit (56 deg/s²): the position shows no change for several 10 ms updates (§5.e),
      // while Get Position is read every 5 ms.
      const move = await r.call(r.service.move('servo0', { position: 10, velocity: 90, acceleration: 56 }));
      await r.until(() => r.service.getMove(move.moveId).status !== 'queued', 'the move to end', 10_000);
      expect(r.service.getMove(move.moveId).status).toBe('done');
      // The model's output is exact; Get Position reports it rounded to the quarter-µs.
      expect(r.model!.channel(0).positionQuarterUs).toBeCloseTo(counts(10), 0);
    });

    it('unplug and replug: open moves lose sight, the link comes back by itself', async () => {
      const r = await start();
      await r.call(r.service.enable('servo0'));
      await r.until(moveDone(r, await r.call(r.service.move('servo0', { position: 0 }))), 'centred');
      const running = await r.call(r.service.move('servo0', { position: 80, velocity: 30 }));
      const waiting = await r.call(r.service.move('servo0', { position: 0 }));
      // 1. Unplugged: the link is down, the running move is unknown, the one that never started aborted.
      await unplugWhileMoving(r, running, waiting);
      await expect(r.service.move('servo0', { position: 1 })).rejects.toMatchObject({
        code: 'CONTROLLER_DISCONNECTED',
      });
      // 2. Plugged back: the link reconnects after its backoff, reads the channels again.
      await replugAndReconnect(r);
      const after = await r.call(r.service.move('servo0', { position: -10 }));
      await r.until(moveDone(r, after), 'moving after the replug');
    });

    it('a Maestro in the factory serial mode (UART, detect baud rate) ignores the Command Port: MAESTRO_NO_REPLY, never ready', async () => {
      const r = await start({ model: { serialMode: 'uartDetectBaudRate' }, waitReady: false });
      await r.until(
        () => r.service.controllers()[0]!.lastError?.code === 'MAESTRO_NO_REPLY',
        'the diagnosis',
      );
      expect(r.service.isReady()).toBe(false);
    });

    // Runs over the in-memory pipe, the one transport with a device of the test's own at its far end;
    // the simulator binding and the pty reach only the simulator's models, so there it is reported skipped.
    it.skipIf(!transport.customDevices)(
      'a device that answers garbage never becomes ready, and the garbage is counted',
      async () => {
        const random = garbageRandom();
        const r = await start({
          waitReady: false,
          // Every byte it is sent is answered with 1-3 random bytes with the top bit set somewhere.
          device: (write) => ({
            receive(bytes) {
              for (let i = 0; i < bytes.length; i++) {
                const n = 1 + Math.floor(random() * 3);
                write(Uint8Array.from({ length: n }, () => 0x80 | Math.floor(random() * 256)));
              }
            },
          }),
        });
        await r.until(
          () =>
            ['MAESTRO_BAD_REPLY', 'MAESTRO_NO_REPLY'].includes(
              r.service.controllers()[0]!.lastError?.code ?? '',
            ),
          'the garbage is refused',
          5000,
        );
        const refusedAt = r.clock.monotonicMs();
        await r.until(() => r.clock.monotonicMs() - refusedAt > 2000, 'a few reconnects');
        expect(r.service.isReady()).toBe(false);
        expect(r.service.controllers()[0]!.crcErrors).toBeGreaterThan(0);
      },
    );
  });
});
