// The verdict on `<prefix>/inspection`: one QoS 1 JSON message per frame, pass or reject, published by
// the vision service and read by the gateway. One schema gives the type vision publishes and the check
// the gateway runs; unknown fields are ignored (and dropped), so the message may grow.

import { type Static, Type } from '@sinclair/typebox';
import type { RawProblem } from '../config/problems.js';
import { checkMessage, type MessageRefusal, parseMessage } from './json-message.js';
import { ProductIdSchema } from './product-id.js';
import { REASON_CODES, type ReasonCode } from './reasons.js';
import { SYMBOLOGIES } from './recipe.js';

const open = { additionalProperties: true } as const;
/** A registry code: the `detail` of UNREADABLE_IMAGE / DEADLINE_EXCEEDED is one of the vision service's error codes. */
const CODE_PATTERN = '^[A-Z][A-Z0-9_]{0,47}$';
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
const Ms = (description: string) => Type.Number({ description });

/** The data read from the code. */
export const DecodedDataSchema = Type.Object(
  {
    symbology: Type.Union(SYMBOLOGIES.map((symbology) => Type.Literal(symbology))),
    text: Type.String({ description: 'Raw data; GS1 separators appear as U+001D.' }),
    gtin: Type.Optional(Type.String()),
    lot: Type.Optional(Type.String()),
    expiry: Type.Optional(Type.String({ description: 'Expiry (17) as `YYYY-MM-DD`.' })),
    gs1Error: Type.Optional(
      Type.String({ description: 'Why the GS1 element string could not be parsed, when it could not.' }),
    ),
  },
  open,
);

/** The label as measured. */
export const LabelReportSchema = Type.Object(
  {
    present: Type.Boolean(),
    centerXPx: Type.Optional(Type.Number()),
    centerYPx: Type.Optional(Type.Number()),
    offsetPx: Type.Optional(
      Type.Number({ description: 'Distance of the label centre from the region centre, px.' }),
    ),
    skewDeg: Type.Optional(
      Type.Number({ description: 'Rotation from upright, degrees in (-180, 180], clockwise positive.' }),
    ),
    printContrast: Type.Optional(Type.Number()),
  },
  open,
);

export const VerdictMessageSchema = Type.Object(
  {
    productId: Type.Union([ProductIdSchema, Type.Null()], {
      description: 'From the frame header; null when the header was unreadable.',
    }),
    camera: Name('The camera level of the frame topic.'),
    instance: Name('The vision instance that judged the frame.'),
    verdict: Type.Union([Type.Literal('pass'), Type.Literal('reject')]),
    reasons: Type.Array(
      Type.Union((Object.keys(REASON_CODES) as ReasonCode[]).map((code) => Type.Literal(code))),
      { maxItems: 32, description: 'Empty for a pass; registry order otherwise.' },
    ),
    detail: Type.Optional(
      Type.String({
        pattern: CODE_PATTERN,
        patternDoc: 'an error code',
        description: 'Machine-readable cause for UNREADABLE_IMAGE and DEADLINE_EXCEEDED.',
      }),
    ),
    decoded: Type.Union([DecodedDataSchema, Type.Null()]),
    label: Type.Union([LabelReportSchema, Type.Null()]),
    capturedAtMs: Type.Union([Ms('Capture time from the frame header, Unix epoch ms.'), Type.Null()]),
    inspectedAtMs: Ms('When the verdict was made, Unix epoch ms.'),
    timings: Type.Object(
      {
        queueWaitMs: Ms('Arrival to the start of decoding.'),
        decodeMs: Ms('Image decode + label analysis + barcode decode, in the worker.'),
        totalMs: Ms('Arrival to publication of this verdict.'),
      },
      open,
    ),
  },
  open,
);

export type DecodedData = Static<typeof DecodedDataSchema>;
export type LabelReport = Static<typeof LabelReportSchema>;
export type VerdictMessage = Static<typeof VerdictMessageSchema>;

export type VerdictParse = { ok: true; verdict: VerdictMessage } | MessageRefusal;

/** A pass has no reasons and a reject at least one: a reject without a reason cannot be acted on. */
function passOrReasons(message: VerdictMessage, schemaOk: boolean): RawProblem[] {
  if (!schemaOk) return [];
  if (message.verdict === 'pass' && message.reasons.length > 0) {
    return [{ code: 'CONFIG_CONFLICT', segments: ['reasons'], message: 'a pass has no reasons' }];
  }
  if (message.verdict === 'reject' && message.reasons.length === 0) {
    return [{ code: 'CONFIG_CONFLICT', segments: ['reasons'], message: 'a reject needs a reason' }];
  }
  return [];
}

/** Checks an already-parsed value. */
export function checkVerdictMessage(value: unknown): VerdictParse {
  return asVerdict(checkMessage(VerdictMessageSchema, value, { check: passOrReasons }));
}

/** Parses an MQTT payload; `maxBytes` bounds the work done on hostile input (checked before parsing). */
export function parseVerdictMessage(payload: Uint8Array, maxBytes: number): VerdictParse {
  return asVerdict(parseMessage(VerdictMessageSchema, payload, maxBytes, { check: passOrReasons }));
}

function asVerdict(result: { ok: true; value: VerdictMessage } | MessageRefusal): VerdictParse {
  return result.ok ? { ok: true, verdict: result.value } : result;
}
