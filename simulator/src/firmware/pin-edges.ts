// Reads the harness's pin-edge log (`<cycle> <port><bit> <level>` lines at 16 MHz) into what a test
// asserts on: step counts and servo pulse widths per axis, by the pin map of the firmware's board.h.

import { readFile } from 'node:fs/promises';

const CPU_HZ = 16_000_000;

/**
 * How far one hobby-servo pulse may stray from its commanded width (firmware README "Outputs"). A pulse
 * edge comes from a Timer1 compare interrupt, which waits for the instruction in progress and for any
 * interrupt already running (the 20 kHz step timer, the UART's): the width then grows or shrinks by
 * that wait. Measured from the pin-edge record in simavr (firmware.test.ts, 3 runs of ~100 pulses on
 * two servo axes): from -6.1 to +5.3 µs with STREAM at 200 Hz, GETs back to back and two axes stepping
 * at 20 000 steps/s; nine pulses in ten within 1 µs. Held to 8 µs.
 */
export const SERVO_PULSE_JITTER_US = 8;
/** The same on a quiet line (no stream, one request at a time, no axis stepping): measured 1.2 µs. */
export const SERVO_PULSE_QUIET_JITTER_US = 2;

export interface AxisPins {
  /** Rising STEP edges, each counted in the direction DIR showed: the stepper's position. */
  steps: number;
  /** Every servo pulse width, in us, in order. */
  servoPulsesUs: number[];
  /** The cycle each of those pulses rose at (16 MHz, as the harness's `stats` counts). */
  servoPulseStartCycles: number[];
}

/** Parses an edge log; axes are 1-based (index 0 unused). */
export function parsePinEdges(text: string, axes = 4): AxisPins[] {
  const pins: AxisPins[] = Array.from({ length: axes + 1 }, () => ({
    steps: 0,
    servoPulsesUs: [],
    servoPulseStartCycles: [],
  }));
  const dirUp = new Array<boolean>(axes + 1).fill(false);
  const servoRise = new Array<number>(axes + 1).fill(-1);
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const [cycleText, pin, levelText] = line.split(' ');
    const cycle = Number(cycleText);
    const level = levelText === '1';
    const port = pin![0];
    const bit = Number(pin!.slice(1));
    if (port === 'A') {
      // STEP on even bits, DIR on odd bits (board.h).
      const axis = Math.floor(bit / 2) + 1;
      if (axis > axes) continue;
      if (bit % 2 === 1) dirUp[axis] = level;
      else if (level) pins[axis]!.steps += dirUp[axis] ? 1 : -1;
    } else if (port === 'L') {
      const axis = bit + 1;
      if (axis > axes) continue;
      if (level) servoRise[axis] = cycle;
      else if (servoRise[axis]! >= 0) {
        pins[axis]!.servoPulsesUs.push(((cycle - servoRise[axis]!) * 1e6) / CPU_HZ);
        pins[axis]!.servoPulseStartCycles.push(servoRise[axis]!);
        servoRise[axis] = -1;
      }
    }
  }
  return pins;
}

export async function readPinEdges(path: string, axes = 4): Promise<AxisPins[]> {
  return parsePinEdges(await readFile(path, 'latin1'), axes);
}
