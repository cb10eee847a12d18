// The frame envelope on `<prefix>/camera/<camera>/frame`: magic, header length, JSON header, image bytes.
//
//   offset 0  "SVF1"                 4 bytes, ASCII magic and format version
//   offset 4  headerLength           uint16 big-endian, 1..4096
//   offset 6  header                 headerLength bytes of UTF-8 JSON (an object)
//   then      image                  PNG, JPEG or raw 8-bit gray bytes, to the end of the payload
//
// The header travels inside the payload, not in MQTT 5 user properties, so the same bytes work on an
// MQTT 3.1.1 broker (aedes) and an MQTT 5 broker (Mosquitto), and survive bridges that drop properties.

import type { ErrorCode } from '../errors.js';

export const FRAME_MAGIC = 'SVF1';
export const FRAME_FIXED_BYTES = 6;
export const FRAME_MAX_HEADER_BYTES = 4096;

export const IMAGE_FORMATS = ['png', 'jpeg', 'gray8'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Metadata of one frame. Unknown header keys are ignored so cameras may add their own. */
export interface FrameHeader {
  /** The product this frame shows; echoed in the verdict. 1-64 characters of A-Z a-z 0-9 . _ : - */
  productId: string;
  /** Capture time, Unix epoch milliseconds. */
  capturedAtMs: number;
  format: ImageFormat;
  /** Required for gray8; optional (and then checked) for png / jpeg. */
  widthPx?: number;
  heightPx?: number;
}

export interface Frame {
  header: FrameHeader;
  /** A view into the payload; no copy. */
  image: Uint8Array;
}

export type FrameDecodeResult =
  | { ok: true; frame: Frame }
  | {
      ok: false;
      code: Extract<ErrorCode, `FRAME_${string}`>;
      /** The productId when the header got far enough to have one, so the reject can name it. */
      productId?: string;
    };

const PRODUCT_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const MAX_DIMENSION_PX = 65_535;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Builds a frame payload. Throws RangeError on a header the decoder would refuse. */
export function encodeFrame(header: FrameHeader, image: Uint8Array): Uint8Array {
  const problem = checkHeader(header as unknown as Record<string, unknown>);
  if (problem) throw new RangeError(`invalid frame header: ${problem}`);
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
  const fields = document as Record<string, unknown>;
  const productId =
    typeof fields['productId'] === 'string' && PRODUCT_ID.test(fields['productId'])
      ? fields['productId']
      : undefined;
  const withId = productId === undefined ? {} : { productId };
  if (checkHeader(fields)) return { ok: false, code: 'FRAME_BAD_HEADER', ...withId };
  const image = payload.subarray(FRAME_FIXED_BYTES + headerLength);
  if (image.byteLength === 0) return { ok: false, code: 'FRAME_EMPTY_IMAGE', ...withId };
  const header: FrameHeader = {
    productId: fields['productId'] as string,
    capturedAtMs: fields['capturedAtMs'] as number,
    format: fields['format'] as ImageFormat,
  };
  if (fields['widthPx'] !== undefined) header.widthPx = fields['widthPx'] as number;
  if (fields['heightPx'] !== undefined) header.heightPx = fields['heightPx'] as number;
  return { ok: true, frame: { header, image } };
}

/** Returns the first problem with a header, or undefined when it is valid. */
function checkHeader(fields: Record<string, unknown>): string | undefined {
  if (typeof fields['productId'] !== 'string' || !PRODUCT_ID.test(fields['productId'])) return 'productId';
  const capturedAtMs = fields['capturedAtMs'];
  if (typeof capturedAtMs !== 'number' || !Number.isSafeInteger(capturedAtMs) || capturedAtMs < 0)
    return 'capturedAtMs';
  if (!(IMAGE_FORMATS as readonly unknown[]).includes(fields['format'])) return 'format';
  for (const key of ['widthPx', 'heightPx'] as const) {
    const value = fields[key];
    if (value === undefined) {
      if (fields['format'] === 'gray8') return key;
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_DIMENSION_PX)
      return key;
  }
  return undefined;
}
