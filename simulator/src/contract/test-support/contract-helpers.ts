// Shared by the protocol contract suites: the device they ask for, speeds, matchers, and rigs with a
// connected HostSession. Real time: every wait is bounded.

import type { EventFrame, HostBoundItem, Reply } from '@servo-edge/firmware-protocol';
import { connectHost, type StreamHost } from '../../test-support/host-over-stream.js';
import type { ContractDeviceSpec, ContractRig, ContractTarget } from './contract-target.js';

/** Short moves, a near home switch: every motion here completes in a fraction of a second. */
export const CONTRACT_SPEC: ContractDeviceSpec = {
  axes: 3,
  queueDepth: 3,
  axisDefaults: {
    homeSwitchCounts: -200,
    homeVelocityCountsPerS: 20_000,
    homeBackoffVelocityCountsPerS: 5_000,
    homeAccelerationCountsPerS2: 1_000_000,
  },
  perAxis: { 3: { homeSwitchCounts: null, homeSearchRangeCounts: 500 } },
};
export const FAST = { vel: 50_000, acc: 2_000_000 };
/** A move that takes ~10 s: still running whenever a test looks. */
export const SLOW = { vel: 100, acc: 10_000 };

export const OK = { ok: true, fields: {} };
export const errCode = (reply: Reply) => (reply.ok ? 'OK' : reply.code);
export const isEvent =
  <E extends EventFrame['event']>(event: E, fields: Record<string, unknown> = {}) =>
  (frame: EventFrame) =>
    frame.event === event &&
    Object.entries(fields).every(([k, v]) => (frame.fields as Record<string, unknown>)[k] === v);
export const isItem = (seq: number) => (item: HostBoundItem) => item.kind === 'reply' && item.seq === seq;

export async function withRig(
  transport: ContractTarget,
  options: ContractDeviceSpec,
  body: (rig: ContractRig) => Promise<void>,
): Promise<void> {
  const rig = await transport.rig(options);
  try {
    await body(rig);
  } finally {
    await rig.close();
  }
}

export async function withHost(
  transport: ContractTarget,
  body: (host: StreamHost, rig: ContractRig) => Promise<void>,
  hostOptions: Parameters<typeof connectHost>[1] = {},
  options = CONTRACT_SPEC,
): Promise<void> {
  await withRig(transport, options, async (rig) => {
    const host = await connectHost(rig.port(), { replyTimeoutMs: 150, ...hostOptions });
    try {
      await host.session.start();
      await body(host, rig);
    } finally {
      await host.close();
    }
  });
}

/** Sends a MOVE and returns its seq with the reply. */
export async function move(host: StreamHost, axis: number, pos: number, speed: { vel: number; acc: number }) {
  let seq = 0;
  const reply = await host.session.request('MOVE', { axis, pos, ...speed }, { onSent: (s) => (seq = s) });
  return { seq, reply };
}
