// The frame envelope (SVF1) on `<prefix>/camera/<camera>/frame`: magic, header length, JSON header, image.
//
//   offset 0  "SVF1"                 4 bytes, ASCII magic and format version
//   offset 4  headerLength           uint16 big-endian, 1..4096
//   offset 6  header                 headerLength bytes of UTF-8 JSON (an object)
//   then      image                  PNG, JPEG or raw 8-bit gray bytes, to the end of the payload
//
// The header travels inside the payload, not in MQTT 5 user properties, so the same bytes work on an
// MQTT 3.1.1 broker (aedes) and an MQTT 5 broker (Mosquitto), and survive bridges that drop properties.

import { type Static, Type } from '@sinclair/typebox';
import { checkConfigValue } from '../config/load.js';
import type { RawProblem } from '../config/problems.js';
import type { ErrorSpec } from '../errors/coded-error.js';
import { isProductId, ProductIdSchema } from './product-id.js';

export const FRAME_MAGIC = 'SVF1';
export const FRAME_FIXED_BYTES = 6;
export const FRAME_MAX_HEADER_BYTES = 4096;

export const IMAGE_FORMATS = ['png', 'jpeg', 'gray8'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Why a payload is not a frame. The vision service's error registry includes these codes. */
export const FRAME_ERRORS = {
  FRAME_TOO_SHORT: { description: 'The frame is shorter than its fixed header.' },
  FRAME_BAD_MAGIC: { description: 'The frame does not start with `SVF1`.' },
  FRAME_HEADER_TOO_LONG: { description: 'The JSON header length is 0, over 4096 bytes, or past the end.' },
  FRAME_BAD_JSON: { description: 'The JSON header is not valid UTF-8 JSON object text.' },
  FRAME_BAD_HEADER: { description: 'A header field is missing or invalid (see the frame format).' },
  FRAME_EMPTY_IMAGE: { description: 'The frame has a header but no image bytes.' },
} as const satisfies Record<string, ErrorSpec>;

export type FrameErrorCode = keyof typeof FRAME_ERRORS;

const Dimension = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, description }));

/** Metadata of one frame. Unknown header keys are ignored (and dropped), so cameras may add their own. */
export const FrameHeaderSchema = Type.Object(
  {
    productId: ProductIdSchema,
    capturedAtMs: Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Capture time, Unix epoch milliseconds.',
    }),
    format: Type.Union(
      IMAGE_FORMATS.map((format) => Type.Literal(format)),
      { description: 'Image encoding; gray8 is raw 8-bit grayscale, row-major.' },
    ),
    widthPx: Dimension('Image width; required for gray8, optional (and then checked) for png / jpeg.'),
    heightPx: Dimension('Image height; required for gray8, optional (and then checked) for png / jpeg.'),
  },
  { additionalProperties: true },
);

export type FrameHeader = Static<typeof FrameHeaderSchema>;

export interface Frame {
  header: FrameHeader;
  /** A view into the payload; no copy. */
  image: Uint8Array;
}

export type FrameDecodeResult =
  | { ok: true; frame: Frame }
  | {
      ok: false;
      code: FrameErrorCode;
      /** The productId when the header got far enough to have one, so the reject can name it. */
      productId?: string;
    };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A raw gray8 image has no header of its own: its size must come with the frame. */
function grayNeedsSize(header: FrameHeader): RawProblem[] {
  if (header.format !== 'gray8') return [];
  return (['widthPx', 'heightPx'] as const)
    .filter((key) => header[key] === undefined)
    .map(
      (key): RawProblem => ({ code: 'CONFIG_MISSING_KEY', segments: [key], message: `gray8 needs ${key}` }),
    );
}

function checkHeader(fields: unknown) {
  return checkConfigValue(FrameHeaderSchema, fields, { check: grayNeedsSize });
}

/** Builds a frame payload. Throws RangeError on a header the decoder would refuse. */
export function encodeFrame(header: FrameHeader, image: Uint8Array): Uint8Array {
  const checked = checkHeader(header);
  if (!checked.ok) throw new RangeError(`invalid frame header: ${checked.problems[0]!.path}`);
  const json = new TextEncoder().encode(JSON.stringify(header));
  if (json.byteLength > FRAME_MAX_HEADER_BYTES) throw new RangeError('frame header too long');
  const out = new Uint8Array(FRAME_FIXED_BYTES + json.byteLength + image.byteLength);
  out.set(new TextEncoder().encode(FRAME_MAGIC), 0);
  new DataView(out.buffer).setUint16(4, json.byteLength, false);
  out.set(json, FRAME_FIXED_BYTES);
  out.set(image, FRAME_FIXED_BYTES + json.byteLength);
  return out;
}

/** Parses a frame payload. Pure and total: any input gives a result, never an exception. */
export function decodeFrame(payload: Uint8Array): FrameDecodeResult {
  if (payload.byteLength < FRAME_FIXED_BYTES) return { ok: false, code: 'FRAME_TOO_SHORT' };
  if (
    payload[0] !== 0x53 || // S
    payload[1] !== 0x56 || // V
    payload[2] !== 0x46 || // F
    payload[3] !== 0x31 // 1
  ) {
    return { ok: false, code: 'FRAME_BAD_MAGIC' };
  }
  const headerLength = (payload[4]! << 8) | payload[5]!;
  if (
    headerLength === 0 ||
    headerLength > FRAME_MAX_HEADER_BYTES ||
    FRAME_FIXED_BYTES + headerLength > payload.byteLength
  ) {
    return { ok: false, code: 'FRAME_HEADER_TOO_LONG' };
  }
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(payload.subarray(FRAME_FIXED_BYTES, FRAME_FIXED_BYTES + headerLength)));
  } catch {
    return { ok: false, code: 'FRAME_BAD_JSON' };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { ok: false, code: 'FRAME_BAD_JSON' };
  }
  const productId = (document as Record<string, unknown>)['productId'];
  const withId = isProductId(productId) ? { productId } : {};
  const checked = checkHeader(document);
  if (!checked.ok) return { ok: false, code: 'FRAME_BAD_HEADER', ...withId };
  const image = payload.subarray(FRAME_FIXED_BYTES + headerLength);
  if (image.byteLength === 0) return { ok: false, code: 'FRAME_EMPTY_IMAGE', ...withId };
  return { ok: true, frame: { header: checked.value, image } };
}
