// The options of a Maestro link and a Dynamixel link, declared once as TypeBox schemas and checked by
// the common config walker like a servo-edge controller's (options-schema.ts): the same problem codes,
// and servo-sim's flags go through the same check. Model names, channel counts and serial modes are the
// sim:// path's (firmware-protocol's sim-path.ts), so a path and these options accept the same values.

import type { Clock } from '@servo-edge/common/clock';
import {
  type ConfigCheck,
  ConfigError,
  checkConfigValue,
  isMapping,
  type RawProblem,
} from '@servo-edge/common/config';
import {
  SIM_DYNAMIXEL_DEFAULT_MODEL,
  SIM_DYNAMIXEL_MAX_ID,
  SIM_DYNAMIXEL_MODELS,
  SIM_ID_PATTERN,
  SIM_MAESTRO_CHANNEL_COUNTS,
  SIM_MAESTRO_MAX_DEVICE_NUMBER,
  SIM_MAESTRO_SERIAL_MODES,
  type SimDynamixelModel,
  type SimMaestroChannelCount,
  type SimMaestroSerialMode,
  type SimModel,
  simPath,
} from '@servo-edge/firmware-protocol';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { LineFaultConfigSchema } from '../options-schema.js';
import type { LineFaultState } from './line-faults.js';

/** A Maestro's line rate when the options do not say: its USB Command Port ignores the baud rate (§5.a), so any will do. */
export const MAESTRO_DEFAULT_BAUD = 115_200;
/** X-series factory Baud Rate (8) = 1: 57600 bps (e-Manual, XM430-W350 §Baud Rate). */
export const DYNAMIXEL_DEFAULT_BAUD = 57_600;

const strict = { additionalProperties: false } as const;
const Int = (minimum: number, maximum: number, description: string) =>
  Type.Optional(Type.Integer({ minimum, maximum, description }));
const OneOf = <T extends string | number>(values: readonly T[], description: string) =>
  Type.Optional(
    Type.Union(
      values.map((value) => Type.Literal(value)),
      { description },
    ),
  );

/** What every link's options have (the servo-edge controller's have the same keys). */
const LINK_OPTIONS = {
  id: Type.String({
    pattern: SIM_ID_PATTERN,
    patternDoc: '1-64 characters of A-Z a-z 0-9 . _ -',
    description: 'Names the link; its path is `sim://<model>/<id>`, and `sim://<id>` opens it too.',
  }),
  clock: Type.Optional(
    Type.Unknown({
      description: 'Simulation clock (a Clock). Default real time; pass a ManualClock to step it in tests.',
    }),
  ),
  baud: Int(300, 12_000_000, 'Line rate in baud (8N1: 10 bits per byte).'),
  pacing: Type.Optional(
    Type.Boolean({ description: 'Deliver bytes no faster than baud/10 bytes/s. Default true.' }),
  ),
  faults: Type.Optional(LineFaultConfigSchema),
  seed: Int(0, 2 ** 32 - 1, 'Seeds the line faults, so runs are reproducible. Default 1.'),
};

/** §4.b Channel Settings, in the Maestro model's units (quarter-µs). */
const MaestroChannelSettingsSchema = Type.Object(
  {
    minQuarterUs: Int(0, 16_383, 'Min: targets below are clamped to it. Default 3968 (992 µs).'),
    maxQuarterUs: Int(0, 16_383, 'Max: targets above are clamped to it. Default 8000 (2000 µs).'),
    home: Type.Optional(
      Type.Union(
        [
          Type.Literal('off'),
          Type.Literal('ignore'),
          Type.Object({ goToQuarterUs: Type.Integer({ minimum: 0, maximum: 16_383 }) }, strict),
        ],
        { description: '"On startup or error": off (default), ignore, or { goToQuarterUs }.' },
      ),
    ),
    speed: Int(0, 16_383, 'Start-up speed, (0.25 µs)/(10 ms); 0 = unlimited.'),
    acceleration: Int(0, 255, 'Start-up acceleration, (0.25 µs)/(10 ms)/(80 ms); 0 = unlimited.'),
  },
  strict,
);

export const MaestroLinkOptionsSchema = Type.Object(
  {
    ...LINK_OPTIONS,
    channels: OneOf(SIM_MAESTRO_CHANNEL_COUNTS, '6 (Micro Maestro), 12, 18 or 24 (Mini Maestro). Default 6.'),
    deviceNumber: Int(0, SIM_MAESTRO_MAX_DEVICE_NUMBER, 'Pololu protocol device number (§5.a). Default 12.'),
    crc: Type.Optional(Type.Boolean({ description: '"Enable CRC" (§5.d). Default false.' })),
    serialMode: OneOf(
      SIM_MAESTRO_SERIAL_MODES,
      'Serial mode (§5.a). Default usbDualPort; in the UART modes the USB Command Port is ignored.',
    ),
    serialTimeoutMs: Int(0, 655_350, 'Serial timeout (§5.a); 0 (default) disables it.'),
    movingStateBug: Type.Optional(
      Type.Boolean({
        description: "Model the Micro Maestro's Get Moving State bug (§5.e). Default true on 6 channels.",
      }),
    ),
    channelSettings: Type.Optional(
      Type.Array(MaestroChannelSettingsSchema, {
        maxItems: 24,
        description: 'Per-channel settings, index = channel; missing entries take the factory defaults.',
      }),
    ),
  },
  strict,
);

const DynamixelServoSchema = Type.Object(
  {
    id: Type.Integer({
      minimum: 0,
      maximum: SIM_DYNAMIXEL_MAX_ID,
      description: 'The servo ID, unique on the bus.',
    }),
    model: OneOf(SIM_DYNAMIXEL_MODELS, `The servo's model. Default ${SIM_DYNAMIXEL_DEFAULT_MODEL}.`),
    firmwareVersion: Int(0, 255, 'Firmware Version (6), as Ping reports it. Default 46.'),
    positionPulses: Int(0, 4095, 'Present Position at power-on, pulses. Default 2048.'),
  },
  strict,
);

export const DynamixelLinkOptionsSchema = Type.Object(
  {
    ...LINK_OPTIONS,
    servos: Type.Optional(
      Type.Array(DynamixelServoSchema, {
        minItems: 1,
        maxItems: SIM_DYNAMIXEL_MAX_ID + 1,
        description: 'The servos on the bus. Default one XM430-W350 with ID 1.',
      }),
    ),
  },
  strict,
);

type WithClock<S extends TSchema> = Omit<Static<S>, 'clock'> & { clock?: Clock };
/** createMaestroLink()'s options; `clock` is a Clock, the rest plain data. */
export type MaestroLinkOptions = WithClock<typeof MaestroLinkOptionsSchema>;
/** createDynamixelLink()'s options; `clock` is a Clock, the rest plain data. */
export type DynamixelLinkOptions = WithClock<typeof DynamixelLinkOptionsSchema>;

/** What every link resolves to. */
export interface ResolvedLinkConfig {
  id: string;
  path: string;
  baud: number;
  pacing: boolean;
  faults: LineFaultState;
  seed: number;
}

export interface ResolvedMaestroLinkConfig extends ResolvedLinkConfig {
  channels: SimMaestroChannelCount;
  deviceNumber: number;
  crc: boolean;
  serialMode: SimMaestroSerialMode;
  serialTimeoutMs: number;
  movingStateBug: boolean | undefined;
  channelSettings: MaestroLinkOptions['channelSettings'];
}

export interface ResolvedDynamixelLinkConfig extends ResolvedLinkConfig {
  servos: { id: number; model: SimDynamixelModel; firmwareVersion?: number; positionPulses?: number }[];
}

function clockProblems(options: { clock?: unknown }): RawProblem[] {
  const clock = options.clock;
  if (
    clock === undefined ||
    (isMapping(clock) &&
      typeof clock['monotonicMs'] === 'function' &&
      typeof clock['schedule'] === 'function')
  ) {
    return [];
  }
  return [
    {
      code: 'CONFIG_WRONG_TYPE',
      segments: ['clock'],
      message: 'clock must be a Clock (monotonicMs, epochMs, schedule, after)',
    },
  ];
}

export function checkMaestroLinkOptions(options: unknown): ConfigCheck<MaestroLinkOptions> {
  return checkConfigValue(MaestroLinkOptionsSchema, options, {
    check: (value) => {
      const problems = clockProblems(value);
      const channels = value.channels ?? 6;
      if ((value.channelSettings?.length ?? 0) > channels) {
        problems.push({
          code: 'CONFIG_OUT_OF_RANGE',
          segments: ['channelSettings'],
          message: `channelSettings has ${value.channelSettings!.length} entries; the Maestro has ${channels} channels`,
        });
      }
      value.channelSettings?.forEach((settings, i) => {
        if (settings?.minQuarterUs !== undefined && settings.maxQuarterUs !== undefined) {
          if (settings.minQuarterUs >= settings.maxQuarterUs) {
            problems.push({
              code: 'CONFIG_CONFLICT',
              segments: ['channelSettings', i, 'minQuarterUs'],
              message: `channelSettings[${i}].minQuarterUs must be below maxQuarterUs`,
            });
          }
        }
      });
      return problems;
    },
  }) as ConfigCheck<MaestroLinkOptions>;
}

export function checkDynamixelLinkOptions(options: unknown): ConfigCheck<DynamixelLinkOptions> {
  return checkConfigValue(DynamixelLinkOptionsSchema, options, {
    check: (value) => {
      const problems = clockProblems(value);
      const seen = new Set<number>();
      (value.servos ?? []).forEach((servo, i) => {
        if (servo?.id === undefined) return;
        if (seen.has(servo.id)) {
          problems.push({
            code: 'CONFIG_DUPLICATE',
            segments: ['servos', i, 'id'],
            message: `servos[${i}].id: ID ${servo.id} is on the bus twice`,
          });
        }
        seen.add(servo.id);
      });
      return problems;
    },
  }) as ConfigCheck<DynamixelLinkOptions>;
}

function checked<T>(result: ConfigCheck<T>, options: unknown, model: SimModel): T {
  if (result.ok) return result.value;
  const id = isMapping(options) && typeof options['id'] === 'string' ? options['id'] : undefined;
  throw new ConfigError('CONFIG_INVALID', result.problems, {
    source: id === undefined ? `simulated ${model}` : simPath(id, model),
  });
}

function resolveLink(
  options: MaestroLinkOptions | DynamixelLinkOptions,
  model: SimModel,
  defaultBaud: number,
): ResolvedLinkConfig {
  const faults = options.faults ?? {};
  return {
    id: options.id,
    path: simPath(options.id, model),
    baud: options.baud ?? defaultBaud,
    pacing: options.pacing ?? true,
    faults: {
      corruptRate: faults.corruptRate ?? 0,
      dropRate: faults.dropRate ?? 0,
      duplicateRate: faults.duplicateRate ?? 0,
      extraLatencyMs: faults.extraLatencyMs ?? 0,
      direction: faults.direction ?? 'both',
    },
    seed: options.seed ?? 1,
  };
}

/** Checks and fills in defaults. Throws ConfigError (CONFIG_INVALID) with every problem. */
export function resolveMaestroLinkConfig(options: MaestroLinkOptions): ResolvedMaestroLinkConfig {
  const value = checked(checkMaestroLinkOptions(options), options, 'maestro');
  return {
    ...resolveLink(value, 'maestro', MAESTRO_DEFAULT_BAUD),
    channels: value.channels ?? 6,
    deviceNumber: value.deviceNumber ?? 12,
    crc: value.crc ?? false,
    serialMode: value.serialMode ?? 'usbDualPort',
    serialTimeoutMs: value.serialTimeoutMs ?? 0,
    movingStateBug: value.movingStateBug,
    channelSettings: value.channelSettings,
  };
}

/** Checks and fills in defaults. Throws ConfigError (CONFIG_INVALID) with every problem. */
export function resolveDynamixelLinkConfig(options: DynamixelLinkOptions): ResolvedDynamixelLinkConfig {
  const value = checked(checkDynamixelLinkOptions(options), options, 'dynamixel');
  return {
    ...resolveLink(value, 'dynamixel', DYNAMIXEL_DEFAULT_BAUD),
    servos: (value.servos ?? [{ id: 1 }]).map((servo) => ({
      ...servo,
      model: servo.model ?? SIM_DYNAMIXEL_DEFAULT_MODEL,
    })),
  };
}
