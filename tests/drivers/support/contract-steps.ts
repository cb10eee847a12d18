// The steps the driver contract suites take alike, whatever the device: a rig per test, the conditions
// they wait on, the unplug/replug sequence with what it must do to open moves, and the seeded random
// source of the garbage-device test (its seed printed, so a failing run can be repeated).

import { type Random, seededRandom } from '@servo-edge/firmware-protocol/testing';
import type { MotionServiceEvent, MoveRecord } from '@servo-edge/motion-api';
import { afterEach, expect } from 'vitest';
import type { RigTransport, ServiceRig } from './service-rig.js';

/** The rig of the test that runs now: `start(options)` builds it, and it is closed after the test. */
export function rigPerTest<R extends ServiceRig, O>(
  transport: RigTransport<R, O>,
): (options?: O) => Promise<R> {
  let rig: R | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  return async (options) => {
    rig = await transport.rig(options);
    return rig;
  };
}

/** A condition for `until`: the move is done. */
export function moveDone(r: ServiceRig, move: MoveRecord): () => boolean {
  return () => r.service.getMove(move.moveId).status === 'done';
}

type DeviceEvent = Extract<MotionServiceEvent, { type: 'device' }>;

/** The device events named `name` the service has published so far. */
export function deviceEvents(r: ServiceRig, name: string): DeviceEvent[] {
  return r.events.filter((e): e is DeviceEvent => e.type === 'device' && e.event === name);
}

/**
 * Pulls the cable while `running` runs and `waiting` waits behind it: the link goes down (LINK_CLOSED),
 * the running move's fate is unknown, the one that never started is ABORTED.
 */
export async function unplugWhileMoving(
  r: ServiceRig,
  running: MoveRecord,
  waiting: MoveRecord,
): Promise<void> {
  r.unplug();
  await r.until(() => r.service.controllers()[0]!.state === 'backoff', 'the link is down');
  expect(r.service.controllers()[0]).toMatchObject({
    state: 'backoff',
    lastError: { code: 'LINK_CLOSED' },
  });
  expect(r.service.getMove(running.moveId).status).toBe('unknown');
  expect(r.service.getMove(waiting.moveId).status).toBe('aborted');
}

/** Plugs the cable back: the link reconnects by itself after its backoff. */
export async function replugAndReconnect(r: ServiceRig): Promise<void> {
  r.replug();
  await r.until(() => r.service.isReady(), 'ready again');
  expect(r.service.controllers()[0]!.reconnects).toBeGreaterThan(0);
}

/** The garbage device's random source: GARBAGE_SEED, or one from the clock, printed. */
export function garbageRandom(): Random {
  const seed = Number(process.env.GARBAGE_SEED ?? Date.now() % 100_000);
  console.info(`garbage seed ${seed} (set GARBAGE_SEED to repeat it)`);
  return seededRandom(seed);
}
