// Unit-test host: a HostSession attached straight to a controller's cable on a ManualClock, so every
// byte, reply and event happens inside clock steps and tests never wait on real time.

import { ManualClock } from '@servo-edge/common/testing';
import {
  type ArgsOf,
  createSessionDriver,
  type EventFrame,
  HostSession,
  type HostSessionOptions,
  type ProtocolError,
  type Reply,
  type Verb,
} from '@servo-edge/firmware-protocol';
import type { SimulatedControllerOptions } from '../config.js';
import { createSimulatedController } from '../controller.js';
import type { Attachment, SimulatedController } from '../types.js';

export interface SteppedHost {
  clock: ManualClock;
  controller: SimulatedController;
  session: HostSession;
  attachment: Attachment;
  events: EventFrame[];
  lost: ProtocolError[];
  /** HELLO. */
  hello(): Promise<void>;
  /** Steps the clock until `promise` settles (bounded by `limitMs` of simulated time). */
  run<T>(promise: Promise<T>, limitMs?: number): Promise<T>;
  /** Sends a request and steps the clock until it settles (bounded). */
  call<V extends Verb>(verb: V, args: ArgsOf<V>): Promise<Reply<V>>;
  /** MOVE, returning its seq with the reply. */
  move(axis: number, pos: number, vel: number, acc: number): Promise<{ seq: number; reply: Reply }>;
  /** Steps the clock by `ms`, running every timer on the way. */
  advance(ms: number): Promise<void>;
  /** Steps timer by timer until an event matches (bounded by `limitMs`); returns it and the elapsed ms. */
  until(
    match: (event: EventFrame) => boolean,
    limitMs?: number,
  ): Promise<{ event: EventFrame; elapsedMs: number }>;
}

export function createSteppedHost(
  options: Omit<SimulatedControllerOptions, 'id' | 'clock'> & { id?: string } = {},
  hostOptions: Partial<HostSessionOptions> = {},
): SteppedHost {
  const clock = new ManualClock();
  const controller = createSimulatedController({ id: 'unit', pacing: false, ...options, clock });
  return attachSteppedHost(controller, clock, hostOptions);
}

/** A stepped host on a controller created elsewhere, whose clock is `clock`; starts the controller. */
export function attachSteppedHost(
  controller: SimulatedController,
  clock: ManualClock,
  hostOptions: Partial<HostSessionOptions> = {},
): SteppedHost {
  const events: EventFrame[] = [];
  const lost: ProtocolError[] = [];
  const session = new HostSession({
    clock,
    write: (bytes) => attachment.write(bytes),
    onEvent: (event) => events.push(event),
    onSessionLost: (error) => lost.push(error),
    // The heartbeat feeds the device's watchdog (§Device rule 6) through long moves.
    ...hostOptions,
  });
  const driver = createSessionDriver(session, clock);
  void controller.start();
  const attachment = controller.attach({
    deliver: (bytes) => {
      session.receive(bytes);
      driver.poke();
    },
    unplugged: () => session.linkLost('unplugged'),
  });
  // Let the power-on BOOT cross the wire before the test starts talking.
  clock.advanceBy(controller.pacing ? (64 * 10 * 1000) / controller.baud : 0);

  /** Promise callbacks run on the microtask queue, so yield after each step. */
  async function settle(done: () => boolean, limitMs = 10_000): Promise<void> {
    const start = clock.monotonicMs();
    await Promise.resolve();
    while (!done()) {
      const next = clock.nextTimerAtMs();
      if (next === undefined || next - start > limitMs) throw new Error('request did not settle');
      clock.advanceTo(next);
      await Promise.resolve();
    }
  }

  async function run<T>(promise: Promise<T>, limitMs?: number): Promise<T> {
    let finished = false;
    const tracked = promise.finally(() => {
      finished = true;
    });
    driver.poke();
    await settle(() => finished, limitMs);
    return tracked;
  }

  return {
    clock,
    controller,
    session,
    attachment,
    events,
    lost,
    async hello() {
      await run(session.start());
    },
    run,
    call(verb, args) {
      return run(session.request(verb, args));
    },
    async move(axis, pos, vel, acc) {
      let seq = 0;
      const reply = await run(session.request('MOVE', { axis, pos, vel, acc }, { onSent: (s) => (seq = s) }));
      return { seq, reply };
    },
    async advance(ms) {
      const end = clock.monotonicMs() + ms;
      for (;;) {
        const next = clock.nextTimerAtMs();
        if (next === undefined || next > end) break;
        clock.advanceTo(next);
        await Promise.resolve();
      }
      clock.advanceTo(end);
      await Promise.resolve();
    },
    async until(match, limitMs = 60_000) {
      const start = clock.monotonicMs();
      const seen = events.length;
      for (;;) {
        const found = events.slice(seen).find(match);
        if (found) return { event: found, elapsedMs: clock.monotonicMs() - start };
        const next = clock.nextTimerAtMs();
        if (next === undefined || next - start > limitMs) throw new Error('no matching event');
        clock.advanceTo(next);
        await Promise.resolve();
      }
    },
  };
}
