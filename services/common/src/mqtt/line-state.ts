// The stations' part of the line state on `<prefix>/line/state` (retained JSON, published by the
// gateway) and of `GET /api/v1/line`: each station's cycles and state, and the station fault that
// stopped the line. Declared here so the gateway (publisher) and any reader (the dashboard, a plant's
// MES) share one shape.

import { type Static, Type } from '@sinclair/typebox';

export const STATION_STATES = ['idle', 'homing', 'ready', 'cycling', 'faulted'] as const;
export const STATION_FAULT_SEVERITIES = ['abort', 'hold'] as const;

/** One station of the line (infeed, filler, sealer, labeler), as the gateway reports it. */
export const StationReportSchema = Type.Object(
  {
    name: Type.String({ description: 'infeed, filler, sealer or labeler' }),
    axes: Type.Array(Type.String(), {
      description: 'The motion axes the station moves (the line owns them)',
    }),
    cycles: Type.Integer({
      minimum: 0,
      description: 'Cycles completed (every move ended done): one per product',
    }),
    lastCycleMs: Type.Union([Type.Number(), Type.Null()], {
      description: "The last completed cycle's duration, from its planned start to its last move's end, ms",
    }),
    faults: Type.Integer({ minimum: 0 }),
    late: Type.Integer({
      minimum: 0,
      description:
        'Cycles the gateway could not time (sent, or armed on the controller, after the belt passed their start): each product was rejected, the line ran on',
    }),
    state: Type.Union(STATION_STATES.map((s) => Type.Literal(s))),
    severity: Type.Union(
      STATION_FAULT_SEVERITIES.map((s) => Type.Literal(s)),
      {
        description: 'What a fault of this station does to the line: abort (Aborting) or hold (Holding)',
      },
    ),
    lastFault: Type.Union([
      Type.Object(
        {
          code: Type.String(),
          reason: Type.String(),
          atMs: Type.Number({ description: 'When, epoch ms' }),
        },
        { additionalProperties: true },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: true },
);
export type StationReport = Static<typeof StationReportSchema>;

/** The station fault that stopped the line (Aborting or Holding), until the next Reset or Unhold. */
export const StationFaultSchema = Type.Union([
  Type.Object(
    {
      station: Type.String(),
      code: Type.String({ description: 'A motion error code (FOLLOWING_ERROR, MOVE_ABORTED, ...)' }),
      reason: Type.String(),
      severity: Type.Union(STATION_FAULT_SEVERITIES.map((s) => Type.Literal(s))),
      atMs: Type.Number({ description: 'When, epoch ms' }),
    },
    { additionalProperties: true },
  ),
  Type.Null(),
]);
export type StationFault = Static<typeof StationFaultSchema>;

/** The fields the stations add to the line state message. */
export const LineStateStationFields = {
  stations: Type.Array(StationReportSchema),
  stationFault: StationFaultSchema,
};
