// Reads the harness's pin-edge log (`<cycle> <port><bit> <level>` lines at 16 MHz) into what a test
// asserts on: step counts and servo pulse widths per axis, by the pin map of the firmware's board.h.

import { readFile } from 'node:fs/promises';

const CPU_HZ = 16_000_000;

export interface AxisPins {
  /** Rising STEP edges, each counted in the direction DIR showed: the stepper's position. */
  steps: number;
  /** Every servo pulse width, in us, in order. */
  servoPulsesUs: number[];
}

/** Parses an edge log; axes are 1-based (index 0 unused). */
export function parsePinEdges(text: string, axes = 4): AxisPins[] {
  const pins: AxisPins[] = Array.from({ length: axes + 1 }, () => ({ steps: 0, servoPulsesUs: [] }));
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
        servoRise[axis] = -1;
      }
    }
  }
  return pins;
}

export async function readPinEdges(path: string, axes = 4): Promise<AxisPins[]> {
  return parsePinEdges(await readFile(path, 'latin1'), axes);
}
