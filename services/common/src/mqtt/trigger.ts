// The camera trigger on `<prefix>/camera/<camera>/trigger`: which product crossed the camera, and where
// the belt was then (an encoder latch). Published by the camera station before its frame; read by the
// gateway, which tracks the product to the reject point. Garbage is refused, never half-trusted.

import { type Static, Type } from '@sinclair/typebox';
import { type MessageRefusal, parseMessage } from './json-message.js';
import { ProductIdSchema } from './product-id.js';

/** Unknown fields are ignored (and dropped), so a camera may add its own. */
export const CameraTriggerSchema = Type.Object(
  {
    productId: ProductIdSchema,
    capturedAtMs: Type.Number({ description: 'When the photo-eye fired, Unix epoch milliseconds.' }),
    conveyorPositionMm: Type.Number({ description: 'The conveyor position latched when it fired, mm.' }),
  },
  { additionalProperties: true },
);

export type CameraTrigger = Static<typeof CameraTriggerSchema>;

/** A trigger is about 100 bytes; this bounds the work a hostile payload can cause. */
export const MAX_TRIGGER_BYTES = 1024;

export function parseCameraTrigger(payload: Uint8Array): { ok: true; value: CameraTrigger } | MessageRefusal {
  return parseMessage(CameraTriggerSchema, payload, MAX_TRIGGER_BYTES);
}
