// The Maestro's CRC-7 as the device checks it (Pololu Maestro Servo Controller User's Guide §5.d):
// polynomial 0x91 processed LSB first over the whole packet, 0xAA and the device number included.
// Table-driven on purpose, and written apart from motion-api's bitwise codec: this model is the test
// oracle for that codec, so it must not share its logic (STYLE.md lesson 16).

const TABLE = (() => {
  const table = new Uint8Array(256);
  for (let index = 0; index < 256; index++) {
    let remainder = index;
    for (let bit = 0; bit < 8; bit++) remainder = remainder & 1 ? (remainder ^ 0x91) >>> 1 : remainder >>> 1;
    table[index] = remainder;
  }
  return table;
})();

/** CRC-7 of a whole packet (without its CRC byte). */
export function crc7(bytes: ArrayLike<number>): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc & 0x7f;
}
