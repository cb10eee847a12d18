// What both firmware end-to-end tests share: the axes mapped onto the reference firmware's outputs
// (firmware-protocol/firmware/README.md §Outputs: axes 1 and 2 step/dir, axes 3 and 4 hobby servo),
// the firmware served on a temp link with its pin edges recorded, and the oracle that turns the
// pin-edge log back into counts. The oracle reads pins only (pin-edges.ts), never the motion service.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AxisPins,
  FIRMWARE_ELF_PATH,
  type FirmwareDevice,
  SERVO_PULSE_JITTER_US,
  serveFirmware,
} from '@servo-edge/simulator/firmware';

export const OPERATOR_KEY = 'firmware-e2e-operator-key-01';
export const ADMIN_KEY = 'firmware-e2e-admin-key-0123456';
export const AS_OPERATOR = { authorization: `Bearer ${OPERATOR_KEY}` };
export const AS_ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };

/** Where the harness closes the home switch of axis 1 (step count), as the TypeScript simulator does. */
export const HOME_SWITCH_COUNTS = -2000;

/**
 * firmware README §Outputs: "one count is one µs from the 1500 µs centre". The arm below has 5
 * counts/deg, so its pulse is 1500 µs + 5 µs/deg.
 */
export const SERVO_CENTRE_US = 1500;
export const ARM_COUNTS_PER_DEG = 5;
/**
 * firmware.test.ts's tolerance for a pulse edge: it waits for the instruction in progress and for an
 * interrupt that got there first, up to ~2 µs.
 */
export const SERVO_TOLERANCE_US = 2;

/** Axis 1 (step/dir): a conveyor in mm at 100 steps/mm, homed to the switch. */
export const CONVEYOR_COUNTS_PER_MM = 100;
/** Axis 2 (step/dir): a lift in mm at 50 steps/mm, never homed (its zero is where it booted). */
export const LIFT_COUNTS_PER_MM = 50;

/**
 * The motion config's axes. Velocities stay below 20 000 counts/s on the step/dir axes: the step
 * timer follows at up to 20 000 steps/s (README §Outputs), beyond which the steps lag the position.
 * The servo's limits stay inside the firmware's ±500 counts (1000–2000 µs).
 */
export function firmwareAxes(controller: string): Record<string, unknown>[] {
  return [
    {
      name: 'conveyor',
      controller,
      axis: 1,
      unit: 'mm',
      countsPerUnit: CONVEYOR_COUNTS_PER_MM,
      minUnits: -10,
      maxUnits: 1000,
      maxVelocityUnitsPerS: 150,
      maxAccelerationUnitsPerS2: 2000,
      defaultVelocityUnitsPerS: 100,
      defaultAccelerationUnitsPerS2: 1000,
      homingRequired: true,
    },
    {
      name: 'lift',
      controller,
      axis: 2,
      unit: 'mm',
      countsPerUnit: LIFT_COUNTS_PER_MM,
      minUnits: 0,
      maxUnits: 300,
      maxVelocityUnitsPerS: 200,
      maxAccelerationUnitsPerS2: 2000,
      defaultVelocityUnitsPerS: 100,
      defaultAccelerationUnitsPerS2: 1000,
      homingRequired: false,
    },
    {
      name: 'arm',
      controller,
      axis: 3,
      unit: 'deg',
      countsPerUnit: ARM_COUNTS_PER_DEG,
      minUnits: -90,
      maxUnits: 90,
      maxVelocityUnitsPerS: 180,
      maxAccelerationUnitsPerS2: 1800,
      defaultVelocityUnitsPerS: 180,
      defaultAccelerationUnitsPerS2: 1800,
      homingRequired: false,
    },
  ];
}

export interface FirmwareOnLink {
  device: FirmwareDevice;
  linkPath: string;
  edgesPath: string;
  /** Stops the harness (idempotent) and removes the temp directory. */
  close(): Promise<void>;
}

/** The firmware in simavr on a pty linked in a temp directory, recording its pin edges. */
export async function firmwareOnLink(): Promise<FirmwareOnLink> {
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-fw-e2e-'));
  const linkPath = join(dir, 'ttyMEGA');
  const edgesPath = join(dir, 'edges.txt');
  let device: FirmwareDevice;
  try {
    device = await serveFirmware({
      elfPath: FIRMWARE_ELF_PATH,
      linkPath,
      edgesPath,
      homeSwitchCounts: HOME_SWITCH_COUNTS,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    device,
    linkPath,
    edgesPath,
    async close() {
      await device.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What a single pulse may stray from its frame-to-frame median: the firmware's stated pulse jitter
 * (SERVO_PULSE_JITTER_US, pin-edges.ts: measured up to 6.1 µs from the pin-edge record with the POS
 * stream, commands and stepping on the line; about 100 cycles, a compare interrupt waiting behind the
 * step timer's and a UART interrupt). firmware.test.ts asserts the same bound on its own load.
 * The width a servo holds to is the steady one; the median over frames is held to SERVO_TOLERANCE_US.
 */
export const SERVO_JITTER_US = SERVO_PULSE_JITTER_US;

/** Frames at rest the steady width is taken over: 10 × 20 ms. */
const SETTLED_FRAMES = 10;

export interface ServoSummary {
  /** The median of the last frames' pulses: the width the servo holds to. */
  settledUs: number | undefined;
  /** The largest distance of one of those pulses from that median. */
  settledJitterUs: number;
  /** Pulses outside 1000–2000 µs (beyond the jitter): a hobby servo must never see one. */
  outOfRange: number[];
}

/** The steady pulse width at the end of the record, its jitter, and whether every pulse stayed in range. */
export function servoSummary(pins: AxisPins): ServoSummary {
  const last = pins.servoPulsesUs.slice(-SETTLED_FRAMES);
  const sorted = [...last].sort((a, b) => a - b);
  const settledUs = sorted.length === 0 ? undefined : sorted[Math.floor(sorted.length / 2)]!;
  return {
    settledUs,
    settledJitterUs: settledUs === undefined ? 0 : Math.max(...last.map((us) => Math.abs(us - settledUs))),
    outOfRange: pins.servoPulsesUs.filter((us) => us < 1000 - SERVO_JITTER_US || us > 2000 + SERVO_JITTER_US),
  };
}
