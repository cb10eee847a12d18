// The Maestro's CRC-7 (Pololu Maestro Servo Controller User's Guide §5.d, Cyclic Redundancy Check):
// polynomial 0x91 processed LSB first (the bit order of the serial line), over the whole packet
// including 0xAA and the device number; the 7-bit remainder is sent as one byte with its MSB clear.
// Bitwise on purpose: a packet is at most a few dozen bytes, and the simulator's Maestro model uses a
// table, so the two implementations check each other (STYLE.md lesson 16).

/** CRC-7 of `bytes[start, end)` as the Maestro computes it. Vector: AA 01 10 00 -> 0x6B. */
export function maestroCrc7(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]!;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 1 ? (crc ^ 0x91) >> 1 : crc >> 1;
    }
  }
  return crc & 0x7f;
}
