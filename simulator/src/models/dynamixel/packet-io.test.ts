// The bus side's own framing round-trips any packet, stuffing included, under any chunking.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusPacketReader, framePacket } from './packet-io.js';

const seed = Number(process.env.SIM_MODEL_SEED) || 0x13_5eed;
console.info(`dynamixel model packet tests: seed ${seed} (set SIM_MODEL_SEED to repeat another)`);

const byte = fc.oneof(fc.constantFrom(0xff, 0xfd, 0x00), fc.integer({ min: 0, max: 255 }));

describe('BusPacketReader and framePacket', () => {
  it('any packets, cut anywhere, come back whole and in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 252 }),
            instruction: fc.integer({ min: 0, max: 255 }),
            params: fc.array(byte, { maxLength: 30 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        (packets, cuts) => {
          const wire = Uint8Array.from(
            packets.flatMap((p) => [...framePacket(p.id, p.instruction, p.params)]),
          );
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1))), wire.length].sort(
            (a, b) => a - b,
          );
          const reader = new BusPacketReader();
          const out: unknown[] = [];
          let start = 0;
          for (const p of points) {
            reader.push(wire.subarray(start, p), (e) =>
              out.push(e.kind === 'packet' ? { ...e.packet, params: [...e.packet.params] } : e),
            );
            start = p;
          }
          expect(out).toEqual(packets);
        },
      ),
      { seed, numRuns: 3000 },
    );
  });
});
