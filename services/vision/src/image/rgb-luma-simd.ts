// Luma from packed RGB, 16 pixels per step, in a small WebAssembly SIMD kernel.
//
// A camera JPEG decodes (libjpeg-turbo, through sharp) to 3.7 MB of RGB for a 1280x960 frame, and
// the analysis works on luma. This kernel converts such a frame in 0.6-0.7 ms, against 2.3 ms for
// the formula pixel by pixel in JavaScript (`npm run bench`, one core) and 1.7 ms for the
// four-pixels-a-word JavaScript it replaced. libvips' own grayscale conversion
// (`toColourspace('b-w')`) cost 11 ms: it goes through linear light.
//
// The result is bit-identical to `lumaFromInterleaved`: Y = (306 R + 601 G + 117 B + 512) >> 10,
// Rec. 601 weights in 10-bit fixed point. 16-bit lanes cannot hold 306 R + 601 G + 117 B, so the
// weights are split: 306 = 256 + 50, 601 = 512 + 89, and with T = 50 R + 89 G + 117 B (at most
// 255 * 256) the sum is 256 (R + 2G) + T + 512; its floor over 1024 equals
// (R + 2G + (T >> 8) + 2) >> 2, every step of which fits 16 bits.
//
// The module is written out as bytes below (the WebAssembly binary format, core spec 5.*, and the
// fixed-width SIMD opcodes, core spec 5.4.8) rather than built by a toolchain: it is one loop, and
// the unit test checks it against the JavaScript formula on every byte value.

/**
 * The little of the JavaScript WebAssembly API used here: the project's lib settings (ES2023, no
 * DOM) and @types/node 20 do not declare it.
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** Pixels converted per call: 48 KB of RGB in, 16 KB of luma out, one 64 KB page of wasm memory. */
const CHUNK_PX = 16_384;
const IN_BYTES = CHUNK_PX * 3;

const SIMD = 0xfd;
/** A SIMD instruction: the 0xFD prefix, then the opcode as unsigned LEB128 (one or two bytes here). */
const simd = (op: number): number[] => (op < 0x80 ? [SIMD, op] : [SIMD, op | 0x80, op >> 7]);
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;
const I8X16_SHUFFLE = 0x0d;
const I8X16_NARROW_I16X8_U = 0x66;
const I16X8_EXTEND_LOW_I8X16_U = 0x89;
const I16X8_EXTEND_HIGH_I8X16_U = 0x8a;
const I16X8_SHL = 0x8b;
const I16X8_SHR_U = 0x8d;
const I16X8_ADD = 0x8e;
const I16X8_EXTMUL_LOW_I8X16_U = 0x9e;
const I16X8_EXTMUL_HIGH_I8X16_U = 0x9f;

const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_EQZ = 0x45;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR_IF = 0x0d;
const END = 0x0b;
const EMPTY_BLOCK_TYPE = 0x40;

// Parameters: 0 source address, 1 destination address, 2 count of 16-pixel groups. Locals: 3-5 the
// three loaded vectors, 6-8 the R, G and B planes of 16 pixels.
const [SRC, DST, GROUPS, V0, V1, V2, R, G, B] = [0, 1, 2, 3, 4, 5, 6, 7, 8];

const u8x16 = (value: number): number[] => [...simd(V128_CONST), ...new Array<number>(16).fill(value)];
const u16x8 = (value: number): number[] => [
  ...simd(V128_CONST),
  ...new Array<number>(8).fill(0).flatMap(() => [value & 255, value >> 8]),
];
const load = (offset: number, local: number): number[] => [
  LOCAL_GET,
  SRC,
  ...simd(V128_LOAD),
  0, // alignment hint: 1 byte (the RGB buffer has none better)
  offset,
  LOCAL_SET,
  local,
];

/**
 * One plane of 16 samples out of 48 interleaved bytes: sample i is byte 3i + `channel`. The first
 * shuffle takes what lies in the first 32 bytes, the second the rest from the third vector.
 */
function plane(channel: number, local: number): number[] {
  const inFirstTwo: number[] = [];
  for (let i = 0; 3 * i + channel < 32; i++) inFirstTwo.push(3 * i + channel);
  const first = [...inFirstTwo, ...new Array<number>(16 - inFirstTwo.length).fill(0)];
  const second: number[] = [];
  for (let i = 0; i < 16; i++) second.push(i < inFirstTwo.length ? i : 16 + 3 * i + channel - 32);
  return [
    LOCAL_GET,
    V0,
    LOCAL_GET,
    V1,
    ...simd(I8X16_SHUFFLE),
    ...first,
    LOCAL_GET,
    V2,
    ...simd(I8X16_SHUFFLE),
    ...second,
    LOCAL_SET,
    local,
  ];
}

/** Luma of 8 of the 16 pixels as 16-bit lanes: (R + 2G + (T >> 8) + 2) >> 2 (see the header). */
function halfLuma(high: boolean): number[] {
  const extmul = simd(high ? I16X8_EXTMUL_HIGH_I8X16_U : I16X8_EXTMUL_LOW_I8X16_U);
  const extend = simd(high ? I16X8_EXTEND_HIGH_I8X16_U : I16X8_EXTEND_LOW_I8X16_U);
  const add = simd(I16X8_ADD);
  return [
    ...[LOCAL_GET, R, ...u8x16(50), ...extmul],
    ...[LOCAL_GET, G, ...u8x16(89), ...extmul, ...add],
    ...[LOCAL_GET, B, ...u8x16(117), ...extmul, ...add],
    ...[I32_CONST, 8, ...simd(I16X8_SHR_U)],
    ...[LOCAL_GET, R, ...extend, ...add],
    ...[LOCAL_GET, G, ...extend, I32_CONST, 1, ...simd(I16X8_SHL), ...add],
    ...[...u16x8(2), ...add],
    ...[I32_CONST, 2, ...simd(I16X8_SHR_U)],
  ];
}

function kernelBody(): number[] {
  const V128 = 0x7b;
  const code = [
    ...[1, 6, V128], // locals: 6 x v128
    ...[BLOCK, EMPTY_BLOCK_TYPE, LOCAL_GET, GROUPS, I32_EQZ, BR_IF, 0],
    ...[LOOP, EMPTY_BLOCK_TYPE],
    ...load(0, V0),
    ...load(16, V1),
    ...load(32, V2),
    ...plane(0, R),
    ...plane(1, G),
    ...plane(2, B),
    LOCAL_GET,
    DST,
    ...halfLuma(false),
    ...halfLuma(true),
    ...simd(I8X16_NARROW_I16X8_U),
    ...simd(V128_STORE),
    0,
    0,
    ...[LOCAL_GET, SRC, I32_CONST, 48, I32_ADD, LOCAL_SET, SRC],
    ...[LOCAL_GET, DST, I32_CONST, 16, I32_ADD, LOCAL_SET, DST],
    ...[LOCAL_GET, GROUPS, I32_CONST, 1, I32_SUB, LOCAL_TEE, GROUPS, BR_IF, 0],
    ...[END, END, END],
  ];
  return [...uleb(code.length), ...code];
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const name = (text: string): number[] => [text.length, ...[...text].map((c) => c.charCodeAt(0))];

/** The module: one function `luma(src, dst, groups)` and one exported memory of one page. */
export function rgbLumaModuleBytes(): Uint8Array {
  const I32 = 0x7f;
  const FUNC = 0x00;
  const MEMORY = 0x02;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, [1, 0x60, 3, I32, I32, I32, 0]), // type: (i32 i32 i32) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 1]), // memory: min 1 page, no max
    ...section(7, [2, ...name('luma'), FUNC, 0, ...name('memory'), MEMORY, 0]),
    ...section(10, [1, ...kernelBody()]),
  ]);
}

export interface RgbLumaKernel {
  /**
   * Writes the luma of the first `pixelCount` pixels of `rgb`, rounded down to a multiple of 16,
   * into `gray`; returns how many it converted (the caller converts the rest).
   */
  convert(rgb: Uint8Array, gray: Uint8Array, pixelCount: number): number;
}

/**
 * The kernel, or undefined where this engine has no WebAssembly SIMD (the caller then converts in
 * JavaScript). Compiled synchronously: the module is a few hundred bytes.
 */
export function createRgbLumaKernel(): RgbLumaKernel | undefined {
  const bytes = rgbLumaModuleBytes();
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return undefined;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const luma = instance.exports.luma as (src: number, dst: number, groups: number) => void;
  const heap = new Uint8Array((instance.exports.memory as { buffer: ArrayBuffer }).buffer);
  return {
    convert(rgb, gray, pixelCount) {
      const whole = pixelCount - (pixelCount % 16);
      for (let first = 0; first < whole; first += CHUNK_PX) {
        const count = Math.min(CHUNK_PX, whole - first);
        heap.set(rgb.subarray(first * 3, (first + count) * 3), 0);
        luma(0, IN_BYTES, count / 16);
        gray.set(heap.subarray(IN_BYTES, IN_BYTES + count), first);
      }
      return whole;
    },
  };
}
