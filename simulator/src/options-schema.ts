// A simulated controller's options, declared once as TypeBox schemas: the types, the bounds and the doc
// lines all come from here, and @servo-edge/common/config checks them (the same problem codes as every
// other servo-edge config: a typo is CONFIG_UNKNOWN_KEY, a bound CONFIG_OUT_OF_RANGE, ...).

import type { Clock } from '@servo-edge/common/clock';
import { EVENT_WINDOW_MAX, WATCHDOG_MAX_MS, WATCHDOG_MIN_MS } from '@servo-edge/firmware-protocol';
import { type Static, Type } from '@sinclair/typebox';

/** Axes of a controller when the options do not say. */
export const DEFAULT_AXES = 4;
/** The most axes a simulated controller has. */
export const MAX_AXES = 16;

/** Velocities, accelerations and v1 positions travel on the wire as signed 32-bit integers (§Framing). */
const INT32_MAX = 2 ** 31 - 1;
/** §v2 Positions: a v2 device accepts at least ±(2^47-1) counts and advertises its bound as `pmax`. */
export const MIN_POSITION_MAX = 2 ** 47 - 1;
/** The protocol versions a simulated controller can be limited to (§v2 Negotiation). */
export const PROTOCOL_VERSIONS = [1, 2] as const;

const strict = { additionalProperties: false } as const;
const Int = (minimum: number, maximum: number, description: string) =>
  Type.Optional(Type.Integer({ minimum, maximum, description }));
/** A position: 64-bit in v2 (§v2 Positions); config.ts bounds it by the device's pmax, or int32 in v1. */
const Counts = (description: string) => Int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, description);
const Rate = (description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: 1, description }));

/** One axis. Positions are counts in the axis's power-on frame. */
export const AxisConfigSchema = Type.Object(
  {
    minCounts: Counts(
      'Soft limit (SET MIN): MOVE targets below it get ERR RANGE, a JOG reaching it faults LIMIT. Default -pmax (protocol 1: -2000000000).',
    ),
    maxCounts: Counts('Soft limit (SET MAX), above minCounts.'),
    vmaxCountsPerS: Int(1, INT32_MAX, 'SET VMAX default: MOVE and JOG above it get ERR RANGE.'),
    amaxCountsPerS2: Int(1, INT32_MAX, 'SET AMAX default.'),
    ferrCounts: Int(1, INT32_MAX, 'SET FERR default: the following error that trips FAULT code=FERR.'),
    startPositionCounts: Counts('Where the axis is at power-on (the encoder reads this until HOME sets 0).'),
    homeSwitchCounts: Type.Optional(
      Type.Union(
        [Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()],
        {
          description:
            'Position of the home switch in the power-on frame; null = no switch (HOME then faults).',
        },
      ),
    ),
    homeDirection: Type.Optional(
      Type.Union([Type.Literal(1), Type.Literal(-1)], {
        description: 'Direction HOME searches in: the switch is active on that side of homeSwitchCounts.',
      }),
    ),
    homeVelocityCountsPerS: Int(1, INT32_MAX, 'Homing search speed.'),
    homeBackoffVelocityCountsPerS: Int(1, INT32_MAX, 'Homing back-off speed.'),
    homeAccelerationCountsPerS2: Int(1, INT32_MAX, 'Homing acceleration.'),
    homeSearchRangeCounts: Int(
      1,
      INT32_MAX,
      'HOME gives up (FAULT code=HOME) after searching this far without finding the switch.',
    ),
    encoderNoiseCounts: Int(
      0,
      1_000_000,
      'GET and POS report the position plus uniform noise within ±this. 0 = off.',
    ),
  },
  strict,
);

/** Faults on the serial line; all can also be changed at run time through `controller.faults`. */
export const LineFaultConfigSchema = Type.Object(
  {
    corruptRate: Rate('Probability that a byte has one bit flipped.'),
    dropRate: Rate('Probability that a byte is lost.'),
    duplicateRate: Rate('Probability that a byte is doubled.'),
    extraLatencyMs: Type.Optional(
      Type.Number({ minimum: 0, maximum: 60_000, description: 'Added to every delivery, in ms.' }),
    ),
    direction: Type.Optional(
      Type.Union([Type.Literal('both'), Type.Literal('toDevice'), Type.Literal('toHost')], {
        description: 'Which way the rates above apply. Default both.',
      }),
    ),
  },
  strict,
);

export const FaultConfigSchema = Type.Object(
  {
    ...LineFaultConfigSchema.properties,
    stuckAxes: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1, maximum: MAX_AXES }), {
        maxItems: MAX_AXES,
        description: 'Axes that start jammed (FERR once they are commanded to move).',
      }),
    ),
    estopInput: Type.Optional(Type.Boolean({ description: 'The hardware e-stop input starts active.' })),
  },
  strict,
);

export const ControllerOptionsSchema = Type.Object(
  {
    id: Type.String({
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      patternDoc: '1-64 characters of A-Z a-z 0-9 . _ -',
      description: 'Names the controller; its path is `sim://<id>`.',
    }),
    axes: Int(1, MAX_AXES, `Number of axes, 1..${MAX_AXES}. Default ${DEFAULT_AXES}.`),
    clock: Type.Optional(
      Type.Unknown({
        description: 'Simulation clock (a Clock). Default real time; pass a ManualClock to step it in tests.',
      }),
    ),
    protocol: Type.Optional(
      Type.Union([Type.Literal(1), Type.Literal(2)], {
        description:
          'The highest protocol version the device speaks (§v2 Negotiation). 2 answers a plain HELLO as exactly v1 and `HELLO 2` as v2; 1 is a v1-only device, for compatibility tests. Default 2.',
      }),
    ),
    eventWindow: Int(
      1,
      EVENT_WINDOW_MAX,
      `v2: HELLO's ev= (the event buffer, §v2 Events), 1..${EVENT_WINDOW_MAX}. Default 16.`,
    ),
    positionMax: Int(
      MIN_POSITION_MAX,
      Number.MAX_SAFE_INTEGER,
      "v2: HELLO's pmax= (the largest |position| accepted, §v2 Positions), 2^47-1..2^53-1. Default 2^47-1.",
    ),
    baud: Int(300, 12_000_000, 'Line rate in baud (8N1: 10 bits per byte). Default 115200.'),
    pacing: Type.Optional(
      Type.Boolean({ description: 'Deliver bytes no faster than baud/10 bytes/s. Default true.' }),
    ),
    axisDefaults: Type.Optional(AxisConfigSchema),
    perAxis: Type.Optional(
      Type.Record(Type.String({ pattern: '^[1-9][0-9]*$' }), AxisConfigSchema, {
        patternDoc: 'keys are axis numbers, 1..axes',
        description: 'Settings for single axes, keyed by axis number (1-based), over axisDefaults.',
      }),
    ),
    faults: Type.Optional(FaultConfigSchema),
    seed: Int(
      0,
      2 ** 32 - 1,
      'Seeds fault injection and encoder noise, so runs are reproducible. Default 1.',
    ),
    fw: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)$',
        patternDoc: 'MAJOR.MINOR.PATCH',
        description: 'Firmware version reported by HELLO and BOOT. Default 1.0.0.',
      }),
    ),
    rxBytes: Int(16, 65_536, "HELLO's rx= (receive buffer). Default 256."),
    windowFrames: Int(1, 32, "HELLO's win=. Default 8, at most 32."),
    queueDepth: Int(
      1,
      1024,
      "HELLO's qd= (per-axis move queue depth, counting the running move). Default 8.",
    ),
    watchdogDefaultMs: Int(
      WATCHDOG_MIN_MS,
      WATCHDOG_MAX_MS,
      "HELLO's wd= (watchdog period a session starts with). Default 1000.",
    ),
    executedLogLimit: Int(
      0,
      10_000_000,
      'Entries kept in the executed-command log (oldest dropped first). Default 100000.',
    ),
  },
  strict,
);

export type AxisConfig = Static<typeof AxisConfigSchema>;
export type LineFaultConfig = Static<typeof LineFaultConfigSchema>;
export type FaultDirection = NonNullable<LineFaultConfig['direction']>;
export type FaultConfig = Static<typeof FaultConfigSchema>;
/** The options of createSimulatedController(); `clock` is a Clock, the rest plain data. */
export type SimulatedControllerOptions = Omit<Static<typeof ControllerOptionsSchema>, 'clock'> & {
  clock?: Clock;
};
