// The pin-edge log reader: step counts follow DIR, servo pulses are timed at 16 MHz, other ports and
// axes beyond the asked count are ignored.

import { describe, expect, it } from 'vitest';
import { parsePinEdges } from './pin-edges.js';

describe('parsePinEdges', () => {
  it('counts rising STEP edges in the direction DIR shows, and times servo pulses', () => {
    const log = [
      '# servo-edge harness pin edges',
      '100 A1 1', // axis 1 DIR up
      '200 A0 1',
      '300 A0 0',
      '400 A0 1',
      '500 A0 0',
      '600 A1 0', // DIR down
      '700 A0 1',
      '800 A2 1', // axis 2 STEP with DIR low: down
      '16000 L2 1', // axis 3 servo pulse: 24 000 cycles = 1500 us
      '40000 L2 0',
      '50000 C0 1', // ENABLE: not a position
      '60000 A6 1', // axis 4 STEP, beyond axes=3
    ].join('\n');
    const pins = parsePinEdges(log, 3);
    expect(pins[1]!.steps).toBe(1);
    expect(pins[2]!.steps).toBe(-1);
    expect(pins[3]!.servoPulsesUs).toEqual([1500]);
    expect(pins[3]!.servoPulseStartCycles).toEqual([16000]);
    expect(pins).toHaveLength(4);
  });

  it('ignores a falling servo edge without its rising one (a log that starts mid-pulse)', () => {
    expect(parsePinEdges('10 L0 0\n', 1)[1]!.servoPulsesUs).toEqual([]);
  });
});
