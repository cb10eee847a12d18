// sim:// paths: the one way every package tells a simulated controller's path from a device path, and
// the one parser of what a path says about its device (model, Maestro channels, Dynamixel servos).

import { describe, expect, it } from 'vitest';
import {
  isSimPath,
  parseDynamixelServos,
  parseSimPath,
  SIM_PATH_PREFIX,
  simControllerId,
  simPath,
} from './sim-path.js';

const codes = (result: ReturnType<typeof parseSimPath>) =>
  result.ok ? [] : result.problems.map((p) => p.code);

describe('sim:// paths', () => {
  it('round-trips an id and tells device paths apart', () => {
    expect(simPath('ctrl-a')).toBe(`${SIM_PATH_PREFIX}ctrl-a`);
    expect(simControllerId(simPath('ctrl-a'))).toBe('ctrl-a');
    expect(isSimPath('sim://x')).toBe(true);
    expect(isSimPath('/dev/serial/by-id/usb-FTDI-if00')).toBe(false);
    expect(simControllerId('/dev/ttyACM0')).toBeUndefined();
  });

  it('canonical paths: sim://<id> for servo-edge, sim://<model>/<id> for the device models', () => {
    expect(simPath('c', 'servo-edge')).toBe('sim://c');
    expect(simPath('m0', 'maestro')).toBe('sim://maestro/m0');
    expect(simPath('bus', 'dynamixel')).toBe('sim://dynamixel/bus');
    expect(simControllerId('sim://maestro/m0?channels=12')).toBe('m0');
    expect(simControllerId('sim://bogus/m0')).toBeUndefined();
  });

  it('parses the model and its settings', () => {
    expect(parseSimPath('sim://ctrl-a')).toEqual({ ok: true, value: { model: undefined, id: 'ctrl-a' } });
    expect(parseSimPath('sim://servo-edge/c1')).toEqual({
      ok: true,
      value: { model: 'servo-edge', id: 'c1' },
    });
    expect(parseSimPath('sim://maestro/m0')).toEqual({ ok: true, value: { model: 'maestro', id: 'm0' } });
    expect(
      parseSimPath('sim://maestro/m0?channels=24&deviceNumber=3&crc=on&serialMode=uartDetectBaudRate'),
    ).toEqual({
      ok: true,
      value: {
        model: 'maestro',
        id: 'm0',
        channels: 24,
        deviceNumber: 3,
        crc: true,
        serialMode: 'uartDetectBaudRate',
      },
    });
    expect(parseSimPath('sim://dynamixel/arm?servos=1:XM430-W350,2:XL430-W250,7')).toEqual({
      ok: true,
      value: {
        model: 'dynamixel',
        id: 'arm',
        servos: [
          { id: 1, model: 'XM430-W350' },
          { id: 2, model: 'XL430-W250' },
          { id: 7, model: 'XM430-W350' },
        ],
      },
    });
  });

  it.each([
    ['/dev/ttyACM0', ['CONFIG_BAD_VALUE']],
    ['sim://', ['CONFIG_BAD_VALUE']],
    ['sim://a/b/c', ['CONFIG_BAD_VALUE']],
    ['sim://stepper/m0', ['CONFIG_BAD_VALUE']],
    ['sim://maestro/has space', ['CONFIG_BAD_VALUE']],
    ['sim://m0?channels=6', ['CONFIG_BAD_VALUE']],
    ['sim://maestro/m0?channels=7', ['CONFIG_BAD_VALUE']],
    ['sim://maestro/m0?channels=six', ['CONFIG_BAD_VALUE']],
    ['sim://maestro/m0?channels=6&channels=12', ['CONFIG_DUPLICATE']],
    ['sim://maestro/m0?chanels=6', ['CONFIG_UNKNOWN_KEY']],
    ['sim://maestro/m0?servos=1', ['CONFIG_UNKNOWN_KEY']],
    ['sim://maestro/m0?channels', ['CONFIG_BAD_VALUE']],
    ['sim://maestro/m0?deviceNumber=128', ['CONFIG_OUT_OF_RANGE']],
    ['sim://maestro/m0?crc=yes&serialMode=uart', ['CONFIG_BAD_VALUE', 'CONFIG_BAD_VALUE']],
    ['sim://servo-edge/c?axes=2', ['CONFIG_UNKNOWN_KEY']],
    ['sim://dynamixel/bus?servos=', ['CONFIG_BAD_VALUE']],
    ['sim://dynamixel/bus?servos=1,1', ['CONFIG_DUPLICATE']],
    ['sim://dynamixel/bus?servos=253', ['CONFIG_OUT_OF_RANGE']],
    ['sim://dynamixel/bus?servos=1:XM999,x:XL430-W250', ['CONFIG_BAD_VALUE', 'CONFIG_BAD_VALUE']],
  ])('%s is refused with %j', (path, expected) => {
    expect(codes(parseSimPath(path))).toEqual(expected);
  });

  it('a servo list is ID[:MODEL], comma-separated, each ID once', () => {
    expect(parseDynamixelServos('0,252:XM430-W210')).toEqual({
      ok: true,
      value: [
        { id: 0, model: 'XM430-W350' },
        { id: 252, model: 'XM430-W210' },
      ],
    });
    const refused = parseDynamixelServos('1:XM430-W350:extra');
    expect(refused.ok ? [] : refused.problems.map((p) => p.code)).toEqual(['CONFIG_BAD_VALUE']);
  });
});
