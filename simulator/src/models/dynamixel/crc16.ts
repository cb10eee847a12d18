// The Protocol 2.0 CRC-16 as a device computes it (ROBOTIS e-Manual, Protocol 2.0 §CRC): polynomial
// 0x8005, initial value 0, bits processed MSB first, no reflection, no final XOR. Bit by bit on purpose,
// and written apart from motion-api's table-driven codec: this model is that codec's test oracle, so the
// two must not share an implementation (STYLE.md lesson 16).

export function crc16(bytes: ArrayLike<number>, start = 0, end = bytes.length, initial = 0): number {
  let crc = initial;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}
