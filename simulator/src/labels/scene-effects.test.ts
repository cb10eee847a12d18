// Each scene effect changes the image the way its name says, measured on small synthetic scenes.

import { describe, expect, it } from 'vitest';
import { createPrng } from './prng.js';
import {
  addGaussianNoise,
  createScene,
  defocus,
  type FloatImage,
  fillRotatedRect,
  illuminate,
  keystone,
  motionBlurX,
  paintBelt,
  quantise,
  resampleByArea,
} from './scene-effects.js';

const SEED = 1515;

/** Vertical bars of `periodPx` (half dark, half bright): the sharpest edges a code has. */
function bars(widthPx: number, heightPx: number, periodPx: number): FloatImage {
  const scene = createScene(widthPx, heightPx);
  for (let y = 0; y < heightPx; y++)
    for (let x = 0; x < widthPx; x++)
      scene.data[y * widthPx + x] = Math.floor(x / (periodPx / 2)) % 2 === 0 ? 30 : 230;
  return scene;
}

/** Horizontal bars: edges along x, which a blur along x must leave alone. */
function hbars(widthPx: number, heightPx: number, periodPx: number): FloatImage {
  const scene = createScene(widthPx, heightPx);
  for (let y = 0; y < heightPx; y++)
    for (let x = 0; x < widthPx; x++)
      scene.data[y * widthPx + x] = Math.floor(y / (periodPx / 2)) % 2 === 0 ? 30 : 230;
  return scene;
}

/** Largest step between horizontal neighbours, and between vertical ones, away from the border. */
function maxSteps(scene: FloatImage): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (let row = 8; row < scene.heightPx - 8; row++) {
    for (let col = 8; col < scene.widthPx - 8; col++) {
      const i = row * scene.widthPx + col;
      x = Math.max(x, Math.abs(scene.data[i + 1]! - scene.data[i]!));
      y = Math.max(y, Math.abs(scene.data[i + scene.widthPx]! - scene.data[i]!));
    }
  }
  return { x, y };
}

function meanOf(scene: FloatImage, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += scene.data[y * scene.widthPx + x]!;
  return sum / ((x1 - x0) * (y1 - y0));
}

function stdDevOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  const mean = sum / values.length;
  let acc = 0;
  for (let i = 0; i < values.length; i++) acc += (values[i]! - mean) ** 2;
  return Math.sqrt(acc / values.length);
}

describe('scene effects (seed ' + SEED + ')', () => {
  it('defocus lowers edge contrast in both directions, more for a larger sigma', () => {
    const sharp = bars(96, 64, 8);
    const soft = bars(96, 64, 8);
    const softer = bars(96, 64, 8);
    defocus(soft, 0.8);
    defocus(softer, 1.6);
    expect(maxSteps(sharp).x).toBe(200);
    expect(maxSteps(soft).x).toBeLessThan(150);
    expect(maxSteps(softer).x).toBeLessThan(maxSteps(soft).x);
    const h = hbars(64, 96, 8);
    defocus(h, 0.8);
    expect(maxSteps(h).y).toBeLessThan(150);
  });

  it('motion blur smears along the belt (x) only', () => {
    const v = bars(96, 64, 8);
    motionBlurX(v, 2.5);
    expect(maxSteps(v).x).toBeLessThan(110);
    const h = hbars(64, 96, 8);
    motionBlurX(h, 2.5);
    expect(maxSteps(h).y).toBe(200);
  });

  it('blur keeps the mean (no light is lost)', () => {
    const scene = bars(96, 64, 8);
    const before = meanOf(scene, 0, 0, 96, 64);
    defocus(scene, 1.2);
    motionBlurX(scene, 3);
    expect(meanOf(scene, 0, 0, 96, 64)).toBeCloseTo(before, 0);
  });

  it('a lighting gradient makes one side brighter than the other, by about the gradient', () => {
    const scene = createScene(200, 100, 100);
    illuminate(scene, { gain: 1, gradient: 0.3, gradientAngleDeg: 0, vignetting: 0 });
    const left = meanOf(scene, 0, 0, 20, 100);
    const right = meanOf(scene, 180, 0, 200, 100);
    expect(right).toBeGreaterThan(left);
    // The ramp spans +-15 %: the outer tenths are about 27 % apart.
    expect((right - left) / 100).toBeGreaterThan(0.24);
    expect((right - left) / 100).toBeLessThan(0.3);
    expect(meanOf(scene, 0, 0, 200, 100)).toBeCloseTo(100, 0);
  });

  it('vignetting darkens the corners, not the centre; gain scales everything', () => {
    const scene = createScene(200, 100, 100);
    illuminate(scene, { gain: 1.1, gradient: 0, gradientAngleDeg: 0, vignetting: 0.3 });
    expect(meanOf(scene, 95, 45, 105, 55)).toBeCloseTo(110, 0);
    expect(meanOf(scene, 0, 0, 10, 10)).toBeLessThan(110 * 0.75);
  });

  it('sensor noise has the asked sigma and no bias', () => {
    const scene = createScene(256, 256, 128);
    addGaussianNoise(scene, 4, createPrng(SEED));
    expect(stdDevOf(scene.data)).toBeGreaterThan(3.8);
    expect(stdDevOf(scene.data)).toBeLessThan(4.2);
    expect(meanOf(scene, 0, 0, 256, 256)).toBeCloseTo(128, 0);
  });

  it('a belt has ribs along x at the asked period and blotches', () => {
    const scene = createScene(240, 120);
    paintBelt(scene, { gray: 90, ribAmplitude: 10, ribPeriodPx: 24, blotchAmplitude: 0 }, createPrng(SEED));
    const row = scene.data.subarray(60 * 240, 61 * 240);
    // Periodic: a value repeats one period later; the ribs span about twice their amplitude.
    for (let x = 0; x < 200; x += 7) expect(row[x + 24]!).toBeCloseTo(row[x]!, 3);
    expect(Math.max(...row) - Math.min(...row)).toBeGreaterThan(18);
    const blotchy = createScene(240, 120);
    paintBelt(blotchy, { gray: 90, ribAmplitude: 0, ribPeriodPx: 24, blotchAmplitude: 15 }, createPrng(SEED));
    expect(stdDevOf(blotchy.data)).toBeGreaterThan(2);
    expect(meanOf(blotchy, 0, 0, 240, 120)).toBeGreaterThan(75);
    expect(meanOf(blotchy, 0, 0, 240, 120)).toBeLessThan(105);
  });

  it('a product box is drawn at its gray, rotated, with anti-aliased edges', () => {
    const scene = createScene(200, 200, 50);
    fillRotatedRect(scene, { centerXPx: 100, centerYPx: 100, widthPx: 120, heightPx: 60, angleDeg: 30 }, 170);
    expect(scene.data[100 * 200 + 100]).toBe(170);
    // 55 px along the rotated long axis is still inside; 55 px straight up is outside.
    const along =
      Math.round(100 + 55 * Math.cos(Math.PI / 6)) + 200 * Math.round(100 + 55 * Math.sin(Math.PI / 6));
    expect(scene.data[along]).toBeGreaterThan(160);
    expect(scene.data[45 * 200 + 100]).toBe(50);
    const partial = Array.from(scene.data).filter((v) => v > 55 && v < 165);
    expect(partial.length).toBeGreaterThan(50);
  });

  it('a keystone moves points off-centre and leaves the centre; its map agrees with the image', () => {
    const scene = createScene(400, 300, 0);
    fillRotatedRect(scene, { centerXPx: 320, centerYPx: 150, widthPx: 10, heightPx: 10, angleDeg: 0 }, 255);
    const { warped, mapPoint } = keystone(scene, 0.05, 0);
    expect(mapPoint(200, 150)).toEqual({ xPx: 200, yPx: 150 });
    const moved = mapPoint(320, 150);
    expect(moved.xPx).toBeGreaterThan(321);
    // The bright square's centroid in the warped image is where the map puts it.
    let sum = 0;
    let sumX = 0;
    for (let y = 0; y < 300; y++)
      for (let x = 0; x < 400; x++) {
        const v = warped.data[y * 400 + x]!;
        sum += v;
        sumX += v * (x + 0.5);
      }
    expect(Math.abs(sumX / sum - moved.xPx)).toBeLessThan(0.5);
  });

  it('resampling by area scales a symbol and keeps its ink share', () => {
    const symbol = { widthPx: 10, heightPx: 4, data: new Uint8Array(40) };
    for (let i = 0; i < 40; i++) symbol.data[i] = i % 2 === 0 ? 0 : 255;
    const scaled = resampleByArea(symbol, 1.7);
    expect([scaled.widthPx, scaled.heightPx]).toEqual([17, 7]);
    const mean = scaled.data.reduce((a, b) => a + b, 0) / scaled.data.length;
    expect(mean).toBeGreaterThan(115);
    expect(mean).toBeLessThan(140);
    // Non-integer modules leave gray where a bar edge falls inside a pixel.
    expect(Array.from(scaled.data).some((v) => v > 20 && v < 235)).toBe(true);
  });

  it('quantise rounds and clips to 8 bits', () => {
    const scene = createScene(3, 1);
    scene.data.set([-5, 127.6, 300]);
    expect(Array.from(quantise(scene).data)).toEqual([0, 128, 255]);
  });
});
