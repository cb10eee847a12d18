// sim://<id>: the one way every package tells a simulated controller's path from a device path.

import { describe, expect, it } from 'vitest';
import { isSimPath, SIM_PATH_PREFIX, simControllerId, simPath } from './sim-path.js';

describe('sim:// paths', () => {
  it('round-trips an id and tells device paths apart', () => {
    expect(simPath('ctrl-a')).toBe(`${SIM_PATH_PREFIX}ctrl-a`);
    expect(simControllerId(simPath('ctrl-a'))).toBe('ctrl-a');
    expect(isSimPath('sim://x')).toBe(true);
    expect(isSimPath('/dev/serial/by-id/usb-FTDI-if00')).toBe(false);
    expect(simControllerId('/dev/ttyACM0')).toBeUndefined();
  });
});
