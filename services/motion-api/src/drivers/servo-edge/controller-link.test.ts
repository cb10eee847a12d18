// ControllerLink against a fake controller on a stepped clock: connect sequence, losses (unplug,
// reboot, BOOT, heartbeat timeout), the reboot probe, capped backoff, e-stop and close.
// Comments number the steps where their order matters.

import { ManualClock } from '@servo-edge/common/testing';
import { isProtocolError } from '@servo-edge/firmware-protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LinkTransport, TransportFactory } from '../../link/transport.js';
import { FakeController, FakeTransports } from '../../test-support/fake-controller.js';
import { settle, until } from '../../test-support/settle.js';
import { testConfig } from '../../testing/config.js';
import type { BringUpContext, ControllerLink, LinkError, LinkState } from './controller-link.js';
import { createControllerLink } from './controller-link.js';

const PATH = 'fake://ctrl1';
let clock: ManualClock;
let transports: FakeTransports;
let device: FakeController;
let link: ControllerLink;
let states: LinkState[];
let downs: LinkError[];
let bringUps: { rebooted: boolean | undefined }[];
let bringUpFailure: Error | undefined;

function make(
  factory: TransportFactory = transports,
  patch: (raw: Record<string, unknown>) => void = () => {},
) {
  const config = testConfig(patch);
  link = createControllerLink({
    config: config.controllers[0]!,
    reconnect: config.reconnect,
    transports: factory,
    clock,
    bringUp: async (context: BringUpContext) => {
      bringUps.push({ rebooted: context.rebooted });
      const reply = await context.request('GET', { axis: 1 });
      if (!reply.ok) throw new Error('GET refused');
      if (bringUpFailure) throw bringUpFailure;
    },
    onStateChange: (state) => states.push(state),
    onDown: (error) => downs.push(error),
  });
}

beforeEach(() => {
  clock = new ManualClock();
  transports = new FakeTransports();
  device = transports.add(PATH, new FakeController('ctrl1', 4, 4, clock));
  states = [];
  downs = [];
  bringUps = [];
  bringUpFailure = undefined;
  make();
});
afterEach(async () => {
  await link.close();
});

async function ready(): Promise<void> {
  link.start();
  await link.whenReady();
}

/** Advances the clock to the next timer, and lets the I/O it caused run. */
async function step(): Promise<void> {
  const next = clock.nextTimerAtMs();
  if (next === undefined) throw new Error('no timer pending');
  clock.advanceTo(next);
  await settle();
}

describe('connect sequence', () => {
  it('opens, says HELLO, runs the bring-up and is ready; nothing is known about reboots at first contact', async () => {
    await ready();
    expect(states).toEqual(['connecting', 'handshaking', 'configuring', 'ready']);
    expect(device.executed.map((e) => e.verb)).toEqual(['HELLO', 'GET']);
    expect(bringUps).toEqual([{ rebooted: undefined }]);
    expect(link.health()).toMatchObject({ state: 'ready', connected: true, sessions: 1, reconnects: 0 });
  });

  it('sends WDOG after HELLO when watchdogMs is configured', async () => {
    make(transports, (raw) => {
      (raw.controllers as Record<string, unknown>[])[0]!.watchdogMs = 500;
    });
    await ready();
    expect(device.executed.map((e) => e.verb)).toEqual(['HELLO', 'GET']);
    // WDOG is handled inside DeviceSession (not by the handler), so look at the bytes it received.
    expect(Buffer.concat(device.received).toString('latin1')).toMatch(/ WDOG 500\*/);
  });

  it('refuses requests until ready, with PROTO_NOT_READY and sent=false', async () => {
    const refused = link.request('PING', {});
    await expect(refused).rejects.toMatchObject({ code: 'PROTO_NOT_READY', sent: false });
  });

  it('retries a failed open with capped exponential backoff', async () => {
    transports.unplug(PATH);
    link.start();
    await settle();
    expect(transports.opens).toBe(1);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const before = clock.monotonicMs();
      await step();
      delays.push(clock.monotonicMs() - before);
    }
    // initial 100 ms, x2 each time, capped at 1000 ms.
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(transports.opens).toBe(7);
    expect(link.health().lastError).toMatchObject({ code: 'LINK_OPEN_FAILED' });
  });

  it('bounds an open that never completes by connectTimeoutMs', async () => {
    let closedLate = 0;
    const hanging: TransportFactory = {
      open: () =>
        new Promise<LinkTransport>(() => {
          closedLate++;
        }),
    };
    make(hanging);
    link.start();
    await settle();
    expect(link.state).toBe('connecting');
    clock.advanceBy(500);
    await settle();
    expect(link.state).toBe('backoff');
    expect(link.health().lastError).toMatchObject({ code: 'LINK_OPEN_FAILED' });
    expect(closedLate).toBe(1);
  });

  it('a failing bring-up is retried after the backoff', async () => {
    bringUpFailure = new Error('SET refused');
    link.start();
    await until(() => link.state === 'backoff', 'backoff');
    expect(link.health().lastError).toMatchObject({ code: 'LINK_BRING_UP_FAILED' });
    bringUpFailure = undefined;
    await step();
    await until(() => link.ready, 'ready');
    expect(bringUps.length).toBe(2);
  });
});

describe('losses and reconnects', () => {
  it('unplug: fails in-flight (sent) and waiting (unsent) requests, goes down, reconnects and probes', async () => {
    await ready();
    device.deaf = true; // 1. A request goes out and stays unanswered...
    const inFlight = link.request('GET', { axis: 1 });
    await settle();
    transports.unplug(PATH); // 2. ...then the cable is pulled.
    await expect(inFlight).rejects.toMatchObject({ code: 'PROTO_LINK_LOST', sent: true, disconnected: true });
    expect(link.state).toBe('backoff');
    expect(downs.map((d) => d.code)).toEqual(['PROTO_LINK_LOST']);
    await expect(link.request('PING', {})).rejects.toMatchObject({ code: 'PROTO_NOT_READY', sent: false });
    // 3. Replug: the probe PING finds the session still there, so no reboot is reported.
    device.deaf = false;
    transports.replug(PATH);
    await step();
    await until(() => link.ready, 'ready again');
    expect(states).toContain('probing');
    expect(bringUps.at(-1)).toEqual({ rebooted: false });
    expect(link.health()).toMatchObject({ reconnects: 1, sessions: 2 });
  });

  it('a reboot while unplugged is found by the probe (ERR HELLO)', async () => {
    await ready();
    transports.unplug(PATH);
    await settle();
    device.reboot(); // BOOT goes nowhere: no port is open
    transports.replug(PATH);
    await step();
    await until(() => link.ready, 'ready again');
    expect(bringUps.at(-1)).toEqual({ rebooted: true });
  });

  it('a BOOT while connected ends the session (PROTO_DEVICE_RESET) and reports the reboot', async () => {
    await ready();
    const inFlight = link.request('PING', {});
    device.reboot();
    await expect(inFlight).rejects.toSatisfy((e) => isProtocolError(e) && e.code === 'PROTO_DEVICE_RESET');
    expect(downs.map((d) => d.code)).toEqual(['PROTO_DEVICE_RESET']);
    await step();
    await until(() => link.ready, 'ready again');
    expect(bringUps.at(-1)).toEqual({ rebooted: true });
  });

  it('a silent device is found by the heartbeat: PINGs time out, the link reconnects', async () => {
    await ready();
    device.deaf = true;
    // wd=60000 -> PING after 15 s of silence; then 5 retransmits 250 ms apart before giving up.
    for (let i = 0; i < 10 && link.state === 'ready'; i++) await step();
    expect(link.state).toBe('backoff');
    expect(downs.map((d) => d.code)).toEqual(['PROTO_REPLY_TIMEOUT']);
    expect(link.health().timeouts).toBeGreaterThan(0);
    device.deaf = false;
    await step();
    await until(() => link.ready, 'ready again');
  });

  it('a probe that gets no answer at all counts as a reboot', async () => {
    await ready();
    transports.unplug(PATH);
    await settle();
    transports.replug(PATH);
    device.deaf = true;
    await step(); // reconnect: open, write the probe
    for (let i = 0; i < 6; i++) await step(); // probe tries run out
    expect(link.state).toBe('handshaking');
    device.deaf = false;
    await step(); // HELLO retransmitted, answered now
    await until(() => link.ready, 'ready again');
    expect(bringUps.at(-1)).toEqual({ rebooted: true });
  });
});

describe('protocol v2 (PROTOCOL.md §v2 Negotiation, §v2 Liveness)', () => {
  beforeEach(async () => {
    await link.close();
    transports = new FakeTransports();
    device = transports.add(PATH, new FakeController('ctrl1', 4, 4, clock, { maxProtocol: 2 }));
    make();
  });

  it('asks for v2 and gets it; maxProtocol 1 keeps the same device on v1', async () => {
    await ready();
    expect(device.executed[0]).toMatchObject({ verb: 'HELLO' });
    expect(link.health()).toMatchObject({
      proto: 2,
      features: ['TRIG', 'LEASE'],
      missingFeatures: ['TSTEP'],
    });
    await link.close();
    transports = new FakeTransports();
    device = transports.add(PATH, new FakeController('ctrl1', 4, 4, clock, { maxProtocol: 2 }));
    make(transports, (raw) => {
      (raw.controllers as Record<string, unknown>[])[0]!.maxProtocol = 1;
    });
    await ready();
    expect(link.health()).toMatchObject({
      proto: 1,
      features: [],
      missingFeatures: ['TRIG', 'TSTEP', 'LEASE'],
    });
  });

  it('lost replies cost retransmissions, not the session; silence past the watchdog ends it', async () => {
    await ready();
    // 1. Every reply is lost for 5 s: far more than maxRetransmits (5) reply timeouts, which would end a
    //    v1 session. The device is still there (its watchdog, 60 s, has not run out): the session stays.
    device.withholdReplies = true;
    const reply = link.request('GET', { axis: 1 });
    for (let t = 0; t < 5000; t += 250) {
      clock.advanceBy(250);
      await settle();
    }
    expect(link.state).toBe('ready');
    expect(link.health().retransmits).toBeGreaterThan(5);
    // 2. Replies come back: the retransmitted GET is answered from the device's cache, executed once.
    device.withholdReplies = false;
    let answered = false;
    void reply.then(() => (answered = true));
    for (let i = 0; i < 20 && !answered; i++) await step();
    await expect(reply).resolves.toMatchObject({ ok: true });
    expect(device.executedOf('GET')).toHaveLength(2); // the bring-up's and this one
    expect(downs).toEqual([]);
    // 3. A dead device: no valid line for wd (60 s) is the evidence (§v2 Liveness).
    device.deaf = true;
    const deafAtMs = clock.monotonicMs();
    while (link.state === 'ready' && clock.monotonicMs() - deafAtMs < 120_000) {
      clock.advanceBy(1000);
      await settle();
    }
    expect(downs.map((d) => d.code)).toEqual(['PROTO_REPLY_TIMEOUT']);
    expect(clock.monotonicMs() - deafAtMs).toBeGreaterThanOrEqual(60_000);
  });

  it('a v2 command the session cannot carry is PROTO_NOT_SUPPORTED before it takes a seq', async () => {
    await link.close();
    transports = new FakeTransports();
    device = transports.add(PATH, new FakeController('ctrl1', 4, 4, clock, { maxProtocol: 2, trig: false }));
    make();
    await ready();
    await expect(
      link.request('TMOVE', { axis: 2, pos: 1, vel: 1, acc: 1, src: 1, at: 1, dir: 1 }),
    ).rejects.toMatchObject({ code: 'PROTO_NOT_SUPPORTED', sent: false });
    expect(device.executedOf('TMOVE')).toEqual([]);
  });
});

describe('e-stop and close', () => {
  it('writes 0x18 at once, ahead of requests waiting for window space', async () => {
    await ready();
    device.deaf = true;
    for (let i = 0; i < 12; i++) void link.request('PING', {}).catch(() => {});
    await settle();
    const before = device.received.length;
    expect(link.estop()).toBe(true);
    await settle();
    const after = Buffer.concat(device.received.slice(before));
    expect(after[0]).toBe(0x18);
    expect(link.health().pendingRequests).toBeGreaterThan(8);
  });

  it('estop() says false when no port is open', async () => {
    transports.unplug(PATH);
    link.start();
    await settle();
    expect(link.estop()).toBe(false);
  });

  it('close() fails in-flight requests, rejects ready waiters, and is idempotent', async () => {
    await ready();
    device.deaf = true;
    const inFlight = link.request('GET', { axis: 1 });
    await settle();
    await Promise.all([link.close(), link.close()]);
    await expect(inFlight).rejects.toMatchObject({ code: 'PROTO_SESSION_CLOSED' });
    await expect(link.whenReady()).rejects.toMatchObject({ code: 'PROTO_SESSION_CLOSED' });
    expect(link.state).toBe('closed');
    expect(transports.isOpen(PATH)).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });
});
