// The codes a driver's link reports as `lastError` in GET /api/v1/controllers when it cannot connect or
// loses its device (besides firmware-protocol's PROTO_* for the servo-edge driver). Declared once;
// README.md (Drivers) lists the same codes, and link-errors.test.ts keeps the two in sync.

export const LINK_ERRORS = {
  LINK_OPEN_FAILED: 'The port could not be opened (absent device, permission, timeout).',
  LINK_CLOSED: 'The port closed (an unplug, an I/O error).',
  LINK_BRING_UP_FAILED: 'A start-up step failed; the link retries after its backoff.',
  MAESTRO_NO_REPLY:
    'The Maestro does not answer on this port: its serial mode ignores the USB Command Port, or this is not the Command Port.',
  MAESTRO_BAD_REPLY: 'The Maestro answered with bytes that are not an answer to what was asked.',
  DXL_NO_REPLY: 'No servo answered the broadcast ping: power, wiring, baud rate or protocol.',
  DXL_ID_MISSING: 'A configured Dynamixel ID did not answer the broadcast ping.',
  DXL_MODEL_MISMATCH: 'A Dynamixel ID answered with another model number than the config says.',
  DXL_STATUS_ERROR: 'A servo refused a start-up write (its status packet carried an error).',
  DXL_EEPROM_LOCKED:
    "A servo's Operating Mode differs from the config and its torque is on: the EEPROM is written only with the torque off.",
  DXL_BAD_REPLY: 'Answers that are not status packets of the servos asked (garbage, CRC errors, wrong IDs).',
} as const;

export type LinkErrorCode = keyof typeof LINK_ERRORS;
