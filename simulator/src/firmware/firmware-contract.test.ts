// The protocol contract suites (v1 spoken as v1, and v2) against the reference firmware running in
// simavr, over its pty: the same suites the TypeScript simulator passes (contract/protocol-contract.test.ts).
// Each rig builds the firmware variant the suite's device spec asks for (axes, queue depth, homing, a
// v1-only build) and starts the harness with the spec's home switches and its execution trace (the
// executed-command log). Line faults damage the wire on the host's side of the pty; an unplug closes
// the pty in the harness (the board's USB cable, harness/serial_link.c). The one hook this board does
// not have (a jammed axis: no encoder, so no following error) is declared missing, so its test skips
// and says why.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import { afterAll, beforeAll } from 'vitest';
import { CONTRACT_SPEC } from '../contract/test-support/contract-helpers.js';
import type {
  ContractDeviceSpec,
  ContractIdentity,
  ContractTarget,
} from '../contract/test-support/contract-target.js';
import { describeProtocolV1Contract } from '../contract/test-support/protocol-v1-suite.js';
import { describeProtocolV2Contract } from '../contract/test-support/protocol-v2-suite.js';
import type { FaultInjector } from '../types.js';
import { buildFirmware, buildFirmwareVariant, firmwareSkipReason } from './firmware-build.js';
import { createFirmwareDevice, type FirmwareDevice } from './firmware-device.js';
import { createLineFaultBinding, LineFaults } from './line-fault-binding.js';

/** Spec settings a firmware build can take (core/config.h); anything else is refused. */
const SUPPORTED = new Set(['axes', 'queueDepth', 'protocol', 'axisDefaults', 'perAxis']);
const SUPPORTED_AXIS = new Set([
  'homeSwitchCounts',
  'homeVelocityCountsPerS',
  'homeBackoffVelocityCountsPerS',
  'homeAccelerationCountsPerS2',
  'homeSearchRangeCounts',
]);

/** The compile-time settings and the harness's home switches for a spec. */
function variantFor(spec: ContractDeviceSpec): {
  defines: Record<string, string | number>;
  switches: (number | null)[];
} {
  for (const key of Object.keys(spec)) {
    if (!SUPPORTED.has(key)) throw new Error(`the firmware cannot be built with ${key}`);
  }
  const axes = spec.axes ?? 4;
  const defaults = spec.axisDefaults ?? {};
  const perAxis = (spec.perAxis ?? {}) as Record<string, typeof defaults>;
  for (const config of [defaults, ...Object.values(perAxis)]) {
    for (const key of Object.keys(config)) {
      if (!SUPPORTED_AXIS.has(key)) throw new Error(`the firmware cannot be built with axis ${key}`);
    }
  }
  const axis = (n: number) => ({ ...defaults, ...perAxis[String(n)] });
  const all = Array.from({ length: axes }, (_, i) => axis(i + 1));
  // One homing speed and one search range for every axis on this board: the spec's must agree, except
  // the search range, where the smallest asked for applies to all.
  const one = (
    key: 'homeVelocityCountsPerS' | 'homeBackoffVelocityCountsPerS' | 'homeAccelerationCountsPerS2',
  ) => {
    const values = new Set(all.map((config) => config[key]).filter((v) => v !== undefined));
    if (values.size > 1) throw new Error(`the firmware has one ${key} for all axes`);
    return [...values][0];
  };
  const defines: Record<string, string | number> = {
    // fw, rx, win, wd and ev stay as shipped (core/config.h): the suites expect FIRMWARE_IDENTITY.
    SE_AXES: axes,
    // Every axis step/dir: the suites' positions are beyond a hobby servo's ±500 counts.
    SE_AXIS_OUTPUTS: `{${Array.from({ length: axes }, () => 0).join(',')}}`,
  };
  if (spec.queueDepth !== undefined) defines['SE_QUEUE_DEPTH'] = spec.queueDepth;
  if (spec.protocol !== undefined) defines['SE_MAX_PROTOCOL'] = spec.protocol;
  const velocity = one('homeVelocityCountsPerS');
  const backoff = one('homeBackoffVelocityCountsPerS');
  const acceleration = one('homeAccelerationCountsPerS2');
  if (velocity !== undefined) defines['SE_HOME_VELOCITY'] = `${velocity}L`;
  if (backoff !== undefined) defines['SE_HOME_BACKOFF_VELOCITY'] = `${backoff}L`;
  if (acceleration !== undefined) defines['SE_HOME_ACCELERATION'] = `${acceleration}L`;
  const ranges = all.map((config) => config.homeSearchRangeCounts).filter((v) => v !== undefined);
  if (ranges.length > 0) defines['SE_HOME_SEARCH_RANGE'] = `${Math.min(...ranges)}L`;
  // The simulator's default switch is at -2000 counts.
  const switches = all.map((config) =>
    config.homeSwitchCounts === undefined ? -2000 : config.homeSwitchCounts,
  );
  return { defines, switches };
}

const unsupported = (what: string) => () => {
  throw new Error(`the firmware in simavr has no ${what}`);
};

/**
 * The device hooks of the firmware: the line's faults on the host's side of the pty (the wire, not the
 * device), the e-stop input, the reset pin and the USB cable through the harness. The suite's hooks are
 * synchronous: a cable change is started here and `plugged()` is what the rig's settled() waits for.
 */
function hooksOf(
  device: FirmwareDevice,
  line: LineFaults,
): { faults: FaultInjector; plugged: () => Promise<void> } {
  let cable: Promise<void> = Promise.resolve();
  const change = (next: () => Promise<void>) => {
    cable = cable.then(next);
  };
  const faults = Object.assign(line, {
    reboot: () => device.send('reboot'),
    unplug: () => change(() => device.unplug()),
    replug: () => change(() => device.replug()),
    stickAxis: unsupported('jam (no encoder)'),
    setEstopInput: (active: boolean) => device.send(active ? 'estop 1' : 'estop 0'),
  });
  return { faults, plugged: () => cable };
}

/**
 * The firmware's HELLO as shipped (README "What it advertises"; core/config.h): the 8 KB device of
 * §v2 Sizing. Declared here, not read from config.h, so a change to what the board advertises is a
 * change a test notices.
 */
const FIRMWARE_IDENTITY: ContractIdentity = { fw: '0.1.0', rx: 128, win: 4, wd: 1000, ev: 8 };

const skipReason = firmwareSkipReason();
let workDir: string | undefined;
let rigCount = 0;

const firmwareTarget: ContractTarget = {
  name: 'reference firmware in simavr (pty)',
  skipReason,
  identity: FIRMWARE_IDENTITY,
  capabilities: {
    jam: false,
    estopInput: true,
    unplug: true,
    reboot: true,
    v1OnlyBuild: true,
    triggeredSteps: false,
    sharesEventLoop: false,
  },
  capabilityNotes: {
    // An optional v2 feature the firmware does not advertise; hosts arm one TMOVE at a time instead.
    triggeredSteps:
      'the reference firmware does not implement TSTEP (optional, PROTOCOL.md §v2 Triggered steps)',
    // §Events FAULT code=FERR needs a measured position; the Mega build has no encoder inputs
    // (se_platform_feedback answers "no feedback", README "Wiring"), so it cannot see a jam.
    jam: 'the Mega build has no encoder inputs, and FAULT FERR needs a measured position',
  },
  async rig(spec) {
    const { defines, switches } = variantFor(spec);
    const elfPath = await buildFirmwareVariant(defines);
    workDir ??= await mkdtemp(join(tmpdir(), 'servo-edge-fw-contract-'));
    const device = createFirmwareDevice({
      elfPath,
      linkPath: join(workDir, `tty${++rigCount}`),
      homeSwitches: switches,
      trace: true,
    });
    const path = await device.start();
    // A seed per rig, so a failing run can be replayed.
    const line = new LineFaults(seededRandom(rigCount));
    const binding = createLineFaultBinding(autoDetect(), line);
    const { faults, plugged } = hooksOf(device, line);
    return {
      device: {
        faults,
        executed: device.executed,
        executionCount: (seq, session) => device.executionCount(seq, session),
      },
      path,
      port: () => new SerialPortStream({ binding, path, baudRate: 115200, autoOpen: false }),
      settled: plugged,
      close: async () => {
        await device.close();
      },
    };
  },
};

if (!skipReason) {
  beforeAll(async () => {
    // The harness, and the two builds the suites ask for, before any test's clock starts.
    await buildFirmware();
    for (const spec of [CONTRACT_SPEC, { ...CONTRACT_SPEC, protocol: 1 as const }]) {
      await buildFirmwareVariant(variantFor(spec).defines);
    }
  }, 300_000);
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
}

describeProtocolV1Contract(firmwareTarget);
describeProtocolV2Contract(firmwareTarget);
