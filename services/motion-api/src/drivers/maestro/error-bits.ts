// The Maestro's error register, bit by bit, by name (Pololu Maestro Servo Controller User's Guide §4.b,
// Errors). Get Errors answers with it and clears it (§5.e Get Errors); every error sends every servo to
// its home setting ("On startup or error"), so a driver reports a set bit as an event, not only a value.

/** Bit number of each error the guide lists, in bit order. */
export const MAESTRO_ERROR_BITS = {
  /** A byte's stop bit was not where it should be: usually a baud-rate mismatch. */
  SERIAL_SIGNAL: 0,
  /** The UART's internal buffer filled up. */
  SERIAL_OVERRUN: 1,
  /** The firmware's RX buffer was full and a byte was lost. */
  SERIAL_BUFFER_FULL: 2,
  /** CRC mode is on and a packet's CRC byte was wrong; the packet was ignored (§5.d). */
  SERIAL_CRC: 3,
  /** An unknown command byte, or a packet interrupted by the next command byte. */
  SERIAL_PROTOCOL: 4,
  /** The serial timeout is enabled and elapsed without a valid command. */
  SERIAL_TIMEOUT: 5,
  /** The user script's stack over- or underflowed. */
  SCRIPT_STACK: 6,
  /** The user script's call stack over- or underflowed. */
  SCRIPT_CALL_STACK: 7,
  /** The user script's program counter went out of bounds. */
  SCRIPT_PROGRAM_COUNTER: 8,
} as const;

export type MaestroErrorName = keyof typeof MAESTRO_ERROR_BITS;

export const MAESTRO_ERROR_NAMES = Object.keys(MAESTRO_ERROR_BITS) as MaestroErrorName[];

/** The register split into the errors the guide names (in bit order) and any bit it does not name. */
export interface MaestroErrors {
  /** The 16-bit register as read. */
  readonly register: number;
  readonly errors: readonly MaestroErrorName[];
  /** Set bits the guide gives no name (9..15): reported, never dropped. */
  readonly unknownBits: readonly number[];
}

export function decodeMaestroErrors(register: number): MaestroErrors {
  const errors = MAESTRO_ERROR_NAMES.filter((name) => register & (1 << MAESTRO_ERROR_BITS[name]));
  const named = new Set<number>(Object.values(MAESTRO_ERROR_BITS));
  const unknownBits: number[] = [];
  for (let bit = 0; bit < 16; bit++) if (register & (1 << bit) && !named.has(bit)) unknownBits.push(bit);
  return { register: register & 0xffff, errors, unknownBits };
}
