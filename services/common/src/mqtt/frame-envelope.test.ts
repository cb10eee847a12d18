// The SVF1 frame envelope: round trips, every error code, and random input that must never throw.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FRAME_MAX_HEADER_BYTES, type FrameHeader } from './frame-envelope.js';

const image = new Uint8Array([1, 2, 3, 4, 5, 6]);

function rawFrame(headerText: string, body: Uint8Array = image, declaredLength?: number): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(6 + header.length + body.length);
  out.set(new TextEncoder().encode('SVF1'));
  new DataView(out.buffer).setUint16(4, declaredLength ?? header.length);
  out.set(header, 6);
  out.set(body, 6 + header.length);
  return out;
}

describe('round trips', () => {
  it.each<FrameHeader>([
    { productId: 'P-1', capturedAtMs: 0, format: 'png' },
    {
      productId: 'lot.7:item_9',
      capturedAtMs: 1_767_225_600_000,
      format: 'jpeg',
      widthPx: 640,
      heightPx: 480,
    },
    { productId: 'x', capturedAtMs: 5, format: 'gray8', widthPx: 3, heightPx: 2 },
  ])('%j', (header) => {
    const result = decodeFrame(encodeFrame(header, image));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.frame.header).toEqual(header);
    expect([...result.frame.image]).toEqual([...image]);
  });

  it('ignores unknown header keys', () => {
    const result = decodeFrame(
      rawFrame('{"productId":"P","capturedAtMs":1,"format":"png","exposureUs":300}'),
    );
    expect(result.ok && result.frame.header).toEqual({ productId: 'P', capturedAtMs: 1, format: 'png' });
  });

  it('any valid header survives a round trip (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/),
        fc.nat(),
        fc.constantFrom('png' as const, 'jpeg' as const, 'gray8' as const),
        fc.integer({ min: 1, max: 65_535 }),
        fc.integer({ min: 1, max: 65_535 }),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        (productId, capturedAtMs, format, widthPx, heightPx, bytes) => {
          const header: FrameHeader = { productId, capturedAtMs, format, widthPx, heightPx };
          const result = decodeFrame(encodeFrame(header, bytes));
          expect(result.ok && result.frame.header).toEqual(header);
        },
      ),
    );
  });
});

describe('malformed frames', () => {
  it.each([
    ['FRAME_TOO_SHORT', new Uint8Array([0x53, 0x56, 0x46])],
    ['FRAME_BAD_MAGIC', new TextEncoder().encode('XVF1\u0000\u0002{}')],
    ['FRAME_HEADER_TOO_LONG', rawFrame('{}', image, 0)],
    ['FRAME_HEADER_TOO_LONG', rawFrame('{}', new Uint8Array(0), 500)],
    ['FRAME_HEADER_TOO_LONG', rawFrame('{}', new Uint8Array(5000), FRAME_MAX_HEADER_BYTES + 1)],
    ['FRAME_BAD_JSON', rawFrame('{"productId": "P-1", oops')],
    ['FRAME_BAD_JSON', rawFrame('[1,2]')],
    ['FRAME_BAD_JSON', rawFrame('null')],
    ['FRAME_BAD_HEADER', rawFrame('{"capturedAtMs":1,"format":"png"}')],
    ['FRAME_BAD_HEADER', rawFrame('{"productId":"has space","capturedAtMs":1,"format":"png"}')],
    ['FRAME_BAD_HEADER', rawFrame('{"productId":"P","capturedAtMs":-1,"format":"png"}')],
    ['FRAME_BAD_HEADER', rawFrame('{"productId":"P","capturedAtMs":1.5,"format":"png"}')],
    ['FRAME_BAD_HEADER', rawFrame('{"productId":"P","capturedAtMs":1,"format":"bmp"}')],
    ['FRAME_BAD_HEADER', rawFrame('{"productId":"P","capturedAtMs":1,"format":"gray8","widthPx":3}')],
    ['FRAME_BAD_HEADER', rawFrame('{"productId":"P","capturedAtMs":1,"format":"png","widthPx":0}')],
    ['FRAME_EMPTY_IMAGE', rawFrame('{"productId":"P","capturedAtMs":1,"format":"png"}', new Uint8Array(0))],
  ])('%s', (code, payload) => {
    const result = decodeFrame(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code).toBe(code);
  });

  it('keeps the productId of a frame whose header is otherwise bad', () => {
    const result = decodeFrame(rawFrame('{"productId":"P-9","capturedAtMs":"yesterday","format":"png"}'));
    expect(result).toEqual({ ok: false, code: 'FRAME_BAD_HEADER', productId: 'P-9' });
  });

  it('invalid UTF-8 in the header is FRAME_BAD_JSON', () => {
    const payload = rawFrame('{"a":1}');
    payload[8] = 0xff;
    expect(decodeFrame(payload)).toMatchObject({ ok: false, code: 'FRAME_BAD_JSON' });
  });

  it('every truncation of a valid frame gives a result, never an exception', () => {
    const frame = encodeFrame({ productId: 'P', capturedAtMs: 1, format: 'png' }, image);
    for (let length = 0; length < frame.length; length++) {
      const result = decodeFrame(frame.subarray(0, length));
      // Cutting into the image still leaves a (shorter) frame; cutting into the header does not.
      if (!result.ok) expect(result.code).toMatch(/^FRAME_/);
    }
  });

  it('random bytes never throw (property, 20k inputs)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), fc.boolean(), (bytes, withMagic) => {
        const payload = withMagic ? new Uint8Array([0x53, 0x56, 0x46, 0x31, ...bytes]) : bytes;
        const result = decodeFrame(payload);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 20_000 },
    );
  });

  it('encodeFrame refuses headers the decoder would refuse', () => {
    expect(() => encodeFrame({ productId: '', capturedAtMs: 1, format: 'png' }, image)).toThrow(RangeError);
    expect(() => encodeFrame({ productId: 'P', capturedAtMs: 1, format: 'gray8' }, image)).toThrow(
      RangeError,
    );
  });
});
