// @servo-edge/motion-api/drivers: the pure codecs of the controllers motion-api drives besides its own
// protocol: the Pololu Maestro (`maestro`) and ROBOTIS Dynamixel Protocol 2.0 (`dynamixel`). Bytes in,
// typed frames and typed errors out; no serial port, no timers (STYLE.md lesson 1). The drivers that
// put them on a link come with the driver seam.

export * as dynamixel from './dynamixel/index.js';
export * from './errors.js';
export * as maestro from './maestro/index.js';
