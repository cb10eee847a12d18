// A station's own check of one product on `<prefix>/stations/<station>/check`: the check-weigher after
// the filler, the seal sensor after the sealer. Published by the sensor's device service (in the demo,
// the virtual line) when a product's centre passes the station, with the belt position latched then (an
// encoder latch, as the camera trigger's); read by the gateway, which marks a failed product for
// rejection. Sent for every product, pass or fail, so a reader can count the checks. Garbage is refused.

import { type Static, Type } from '@sinclair/typebox';
import { type MessageRefusal, parseMessage } from './json-message.js';

/** The stations that check their own work; the labeler's is the camera's. */
export const CHECKED_STATIONS = ['filler', 'sealer'] as const;
export type CheckedStation = (typeof CHECKED_STATIONS)[number];

/** Unknown fields are ignored (and dropped), so a sensor may add its own (a weight, a temperature). */
export const StationCheckSchema = Type.Object(
  {
    ok: Type.Boolean({ description: 'Whether the product passed the check.' }),
    conveyorPositionMm: Type.Number({
      description: "The conveyor position latched as the product's centre passed the station, mm.",
    }),
    checkedAtMs: Type.Number({ description: 'When it was checked, Unix epoch milliseconds.' }),
    reason: Type.Optional(
      Type.String({
        pattern: '^[A-Z][A-Z0-9_]{0,31}$',
        description: 'Why it failed, a code such as UNDERWEIGHT or NO_SEAL (default CHECK_FAILED).',
      }),
    ),
  },
  { additionalProperties: true },
);

export type StationCheck = Static<typeof StationCheckSchema>;

/** A check is under 200 bytes; this bounds the work a hostile payload can cause. */
export const MAX_STATION_CHECK_BYTES = 1024;

export function parseStationCheck(payload: Uint8Array): { ok: true; value: StationCheck } | MessageRefusal {
  return parseMessage(StationCheckSchema, payload, MAX_STATION_CHECK_BYTES);
}
