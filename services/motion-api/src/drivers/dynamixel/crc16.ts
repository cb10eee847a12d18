// CRC-16 of DYNAMIXEL Protocol 2.0 (ROBOTIS e-Manual, Protocol 2.0 §CRC; DynamixelSDK updateCRC):
// polynomial 0x8005, initial value 0, MSB first, no reflection, no final XOR (CRC-16/BUYPASS).
// Check value: "123456789" -> 0xFEE8. Computed over the whole packet as sent (header, reserved byte,
// ID, length, stuffed instruction and parameters), and sent low byte first.
// Table-driven here (a status packet per servo per telemetry tick); the simulator's Dynamixel model
// computes it bit by bit, so the two implementations check each other (STYLE.md lesson 16).

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

/** Continues `crc` over `bytes[start, end)`; start a packet with 0. */
export function dynamixelCrc16(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let accumulator = crc;
  for (let i = start; i < end; i++) {
    accumulator = ((accumulator << 8) & 0xffff) ^ TABLE[((accumulator >> 8) ^ bytes[i]!) & 0xff]!;
  }
  return accumulator;
}
