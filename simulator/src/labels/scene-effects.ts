// The camera's world and optics as image operations: belt, product box, light, blur, noise, keystone.
//
// Every step works on a float "scene" (gray levels, not yet clipped) so that effects compose the way
// light does: reflectance x illumination, then the lens (defocus), the motion during exposure, the
// sensor's noise, and only then 8-bit quantisation. Each is a pure function with a unit test that it
// changes the image the way its name says (scene-effects.test.ts).

import type { Prng } from './prng.js';
import type { GrayImage } from './types.js';

/** A scene being composed: gray levels as floats, row-major. */
export interface FloatImage {
  readonly widthPx: number;
  readonly heightPx: number;
  data: Float32Array;
}

export function createScene(widthPx: number, heightPx: number, gray = 0): FloatImage {
  return { widthPx, heightPx, data: new Float32Array(widthPx * heightPx).fill(gray) };
}

/** Rounds and clips to 8 bits. */
export function quantise(scene: FloatImage): GrayImage {
  const data = new Uint8Array(scene.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(scene.data[i]!);
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { widthPx: scene.widthPx, heightPx: scene.heightPx, data };
}

export interface BeltLook {
  gray: number;
  /** Ribs across the running direction (x): a periodic pattern, amplitude in gray levels. */
  ribAmplitude: number;
  ribPeriodPx: number;
  /** Low-frequency blotches (dirt, wear), amplitude in gray levels. */
  blotchAmplitude: number;
}

/** Paints the whole scene as a belt: mean gray, ribs along x and smooth blotches. */
export function paintBelt(scene: FloatImage, look: BeltLook, prng: Prng): void {
  const { widthPx, heightPx } = scene;
  const phase = prng.range(0, 2 * Math.PI);
  const rib = new Float32Array(widthPx);
  for (let x = 0; x < widthPx; x++)
    rib[x] = look.ribAmplitude * Math.sin((2 * Math.PI * x) / look.ribPeriodPx + phase);
  const blotches = valueNoise(widthPx, heightPx, 48, prng);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const i = y * widthPx + x;
      scene.data[i] = look.gray + rib[x]! + look.blotchAmplitude * blotches[i]!;
    }
  }
}

/** Smooth noise in [-1, 1]: random values on a grid of `cellPx`, bilinearly interpolated. */
export function valueNoise(widthPx: number, heightPx: number, cellPx: number, prng: Prng): Float32Array {
  const cols = Math.ceil(widthPx / cellPx) + 2;
  const rows = Math.ceil(heightPx / cellPx) + 2;
  const grid = new Float32Array(cols * rows);
  for (let i = 0; i < grid.length; i++) grid[i] = prng.range(-1, 1);
  const out = new Float32Array(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++) {
    const gy = y / cellPx;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < widthPx; x++) {
      const gx = x / cellPx;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const a = grid[y0 * cols + x0]!;
      const b = grid[y0 * cols + x0 + 1]!;
      const c = grid[(y0 + 1) * cols + x0]!;
      const d = grid[(y0 + 1) * cols + x0 + 1]!;
      out[y * widthPx + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return out;
}

/** A rectangle on the frame: centre, size and rotation (degrees, clockwise on screen). */
export interface RotatedRect {
  centerXPx: number;
  centerYPx: number;
  widthPx: number;
  heightPx: number;
  angleDeg: number;
}

/**
 * Fills a rotated rectangle with `gray`, its edge anti-aliased by coverage (signed distance to the
 * outline). `shadeAmplitude` adds smooth shading inside (a box is never perfectly flat).
 */
export function fillRotatedRect(
  scene: FloatImage,
  rect: RotatedRect,
  gray: number,
  prng?: Prng,
  shadeAmplitude = 0,
): void {
  const angle = (rect.angleDeg * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const halfW = rect.widthPx / 2;
  const halfH = rect.heightPx / 2;
  const extentX = Math.abs(cos) * halfW + Math.abs(sin) * halfH + 2;
  const extentY = Math.abs(sin) * halfW + Math.abs(cos) * halfH + 2;
  const x0 = Math.max(0, Math.floor(rect.centerXPx - extentX));
  const x1 = Math.min(scene.widthPx - 1, Math.ceil(rect.centerXPx + extentX));
  const y0 = Math.max(0, Math.floor(rect.centerYPx - extentY));
  const y1 = Math.min(scene.heightPx - 1, Math.ceil(rect.centerYPx + extentY));
  const shade = prng && shadeAmplitude > 0 ? valueNoise(x1 - x0 + 1, y1 - y0 + 1, 96, prng) : undefined;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - rect.centerXPx;
      const dy = y + 0.5 - rect.centerYPx;
      const u = Math.abs(cos * dx + sin * dy) - halfW;
      const v = Math.abs(-sin * dx + cos * dy) - halfH;
      const coverage = Math.min(1, Math.max(0, 0.5 - Math.max(u, v)));
      if (coverage <= 0) continue;
      const i = y * scene.widthPx + x;
      const g = gray + (shade ? shadeAmplitude * shade[(y - y0) * (x1 - x0 + 1) + (x - x0)]! : 0);
      scene.data[i] = scene.data[i]! * (1 - coverage) + g * coverage;
    }
  }
}

export interface Illumination {
  /** Exposure gain over the frame. */
  gain: number;
  /** Relative change of light from one side of the frame to the other, along `gradientAngleDeg`. */
  gradient: number;
  gradientAngleDeg: number;
  /** Relative darkening at the frame corners (r^2 falloff from the centre). */
  vignetting: number;
}

/** Multiplies the scene (reflectance) by the light falling on it. */
export function illuminate(scene: FloatImage, light: Illumination): void {
  const { widthPx, heightPx } = scene;
  const gx = Math.cos((light.gradientAngleDeg * Math.PI) / 180);
  const gy = Math.sin((light.gradientAngleDeg * Math.PI) / 180);
  const cx = widthPx / 2;
  const cy = heightPx / 2;
  const rMax2 = cx * cx + cy * cy;
  for (let y = 0; y < heightPx; y++) {
    const ny = (y + 0.5 - cy) / cy;
    for (let x = 0; x < widthPx; x++) {
      const nx = (x + 0.5 - cx) / cx;
      // Projection on the gradient direction in [-1, 1]: a linear ramp of +-gradient/2.
      const ramp = 1 + (light.gradient / 2) * (nx * gx + ny * gy);
      const r2 = ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2) / rMax2;
      const i = y * widthPx + x;
      scene.data[i] = scene.data[i]! * light.gain * ramp * (1 - light.vignetting * r2);
    }
  }
}

/** Defocus: a separable Gaussian of `sigmaPx` (no-op below 0.05 px). */
export function defocus(scene: FloatImage, sigmaPx: number): void {
  if (sigmaPx < 0.05) return;
  const radius = Math.max(1, Math.ceil(3 * sigmaPx));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigmaPx * sigmaPx));
    kernel[k + radius] = w;
    sum += w;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] = kernel[k]! / sum;
  convolveRows(scene, kernel);
  convolveColumns(scene, kernel);
}

/**
 * Motion blur along the belt (x) over `lengthPx` (fractional lengths weight the end taps), as a
 * box integrated over the exposure; no-op below 0.05 px.
 */
export function motionBlurX(scene: FloatImage, lengthPx: number): void {
  if (lengthPx < 0.05) return;
  const half = lengthPx / 2;
  const radius = Math.ceil(half - 0.5 + 1e-9);
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    // Overlap of pixel [k-0.5, k+0.5] with the exposure's path [-half, half].
    const w = Math.max(0, Math.min(k + 0.5, half) - Math.max(k - 0.5, -half));
    kernel[k + radius] = w;
    sum += w;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] = kernel[k]! / sum;
  convolveRows(scene, kernel);
}

function convolveRows(scene: FloatImage, kernel: Float32Array): void {
  const { widthPx, heightPx } = scene;
  const radius = (kernel.length - 1) / 2;
  const row = new Float32Array(widthPx);
  for (let y = 0; y < heightPx; y++) {
    const offset = y * widthPx;
    row.set(scene.data.subarray(offset, offset + widthPx));
    for (let x = 0; x < widthPx; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k < 0 ? 0 : x + k >= widthPx ? widthPx - 1 : x + k;
        acc += kernel[k + radius]! * row[xx]!;
      }
      scene.data[offset + x] = acc;
    }
  }
}

function convolveColumns(scene: FloatImage, kernel: Float32Array): void {
  const { widthPx, heightPx } = scene;
  const radius = (kernel.length - 1) / 2;
  const copy = scene.data.slice();
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k < 0 ? 0 : y + k >= heightPx ? heightPx - 1 : y + k;
        acc += kernel[k + radius]! * copy[yy * widthPx + x]!;
      }
      scene.data[y * widthPx + x] = acc;
    }
  }
}

/** Adds zero-mean Gaussian sensor noise of `sigma` gray levels (Box-Muller, from a table for speed). */
export function addGaussianNoise(scene: FloatImage, sigma: number, prng: Prng): void {
  if (sigma <= 0) return;
  const table = new Float32Array(1 << 14);
  for (let i = 0; i < table.length; i += 2) {
    const u1 = Math.max(1e-12, prng.next());
    const u2 = prng.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    table[i] = r * Math.cos(2 * Math.PI * u2);
    table[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  // An xorshift picks table entries: the same distribution at a fraction of the cost of a log per pixel.
  let state = prng.int(1, 0x7fffffff);
  const mask = table.length - 1;
  for (let i = 0; i < scene.data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    scene.data[i] = scene.data[i]! + sigma * table[(state >>> 7) & mask]!;
  }
}

/**
 * A camera not quite square to the belt: a projective keystone. With normalised coordinates
 * (u, v) in [-1, 1] about the frame centre, the output pixel at (u, v) shows the scene at
 * (u, v) / (1 + px u + py v). Returns the warped scene and the forward map of a scene point, so
 * ground truth can follow the label.
 */
export function keystone(
  scene: FloatImage,
  px: number,
  py: number,
): { warped: FloatImage; mapPoint: (xPx: number, yPx: number) => { xPx: number; yPx: number } } {
  const { widthPx, heightPx } = scene;
  const cx = widthPx / 2;
  const cy = heightPx / 2;
  const mapPoint = (xPx: number, yPx: number) => {
    const x = (xPx - cx) / cx;
    const y = (yPx - cy) / cy;
    // Inverse of x = u / s, s = 1 + px u + py v:  s = 1 / (1 - px x - py y).
    const s = 1 / (1 - px * x - py * y);
    return { xPx: cx + x * s * cx, yPx: cy + y * s * cy };
  };
  if (px === 0 && py === 0) return { warped: scene, mapPoint };
  const out = new Float32Array(widthPx * heightPx);
  for (let oy = 0; oy < heightPx; oy++) {
    const v = (oy + 0.5 - cy) / cy;
    for (let ox = 0; ox < widthPx; ox++) {
      const u = (ox + 0.5 - cx) / cx;
      const s = 1 + px * u + py * v;
      const sx = cx + (u / s) * cx - 0.5;
      const sy = cy + (v / s) * cy - 0.5;
      out[oy * widthPx + ox] = sampleBilinear(scene, sx, sy);
    }
  }
  return { warped: { widthPx, heightPx, data: out }, mapPoint };
}

function sampleBilinear(scene: FloatImage, x: number, y: number): number {
  const xc = Math.min(scene.widthPx - 1.001, Math.max(0, x));
  const yc = Math.min(scene.heightPx - 1.001, Math.max(0, y));
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const fx = xc - x0;
  const fy = yc - y0;
  const i = y0 * scene.widthPx + x0;
  const d = scene.data;
  return (
    (d[i]! * (1 - fx) + d[i + 1]! * fx) * (1 - fy) +
    (d[i + scene.widthPx]! * (1 - fx) + d[i + scene.widthPx + 1]! * fx) * fy
  );
}

/**
 * Resamples a 1-px-per-module symbol to `scale` px per module by area (each output pixel is the
 * mean of the symbol it covers), so a 1.7 px module prints as a printer at that resolution would
 * image it: whole pixels of ink, and gray where a bar edge falls inside a pixel.
 */
export function resampleByArea(symbol: GrayImage, scale: number): GrayImage {
  const widthPx = Math.max(1, Math.round(symbol.widthPx * scale));
  const heightPx = Math.max(1, Math.round(symbol.heightPx * scale));
  const rows = new Float32Array(symbol.heightPx * widthPx);
  const xWeights = areaWeights(symbol.widthPx, widthPx, scale);
  for (let y = 0; y < symbol.heightPx; y++) {
    for (let ox = 0; ox < widthPx; ox++) {
      let acc = 0;
      for (const [sx, w] of xWeights[ox]!) acc += w * symbol.data[y * symbol.widthPx + sx]!;
      rows[y * widthPx + ox] = acc;
    }
  }
  const yWeights = areaWeights(symbol.heightPx, heightPx, scale);
  const data = new Uint8Array(widthPx * heightPx);
  for (let oy = 0; oy < heightPx; oy++) {
    for (let ox = 0; ox < widthPx; ox++) {
      let acc = 0;
      for (const [sy, w] of yWeights[oy]!) acc += w * rows[sy * widthPx + ox]!;
      data[oy * widthPx + ox] = Math.round(acc);
    }
  }
  return { widthPx, heightPx, data };
}

/** For each output pixel, the source pixels it covers and their share of it. */
function areaWeights(sourceLength: number, outLength: number, scale: number): Array<Array<[number, number]>> {
  const out: Array<Array<[number, number]>> = [];
  for (let o = 0; o < outLength; o++) {
    const from = o / scale;
    const to = (o + 1) / scale;
    const weights: Array<[number, number]> = [];
    let total = 0;
    for (let s = Math.floor(from); s < Math.min(sourceLength, Math.ceil(to)); s++) {
      const w = Math.min(to, s + 1) - Math.max(from, s);
      if (w > 0) {
        weights.push([s, w]);
        total += w;
      }
    }
    out.push(
      total > 0
        ? weights.map(([s, w]) => [s, w / total])
        : [[Math.min(sourceLength - 1, Math.floor(from)), 1]],
    );
  }
  return out;
}
