// The averaged scan line on synthetic bar patterns drawn by the test itself (known modules, angle and noise), so the oracle shares no code with the simulator.

import { seededRandom } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import type { GrayImage } from '../image/gray-image.js';
import { barProfile, PROFILE_UPSAMPLE, sharpenedLine } from './bar-profile.js';

const SEED = 20_261_515;

interface Scene {
  centerXPx: number;
  centerYPx: number;
  angleDeg: number;
  lengthPx: number;
  breadthPx: number;
  modulePx: number;
  /** true = ink. */
  modules: boolean[];
  /** The bars cross the label's long axis (true) or its short one. */
  barsAcrossLong: boolean;
  noiseSigma: number;
  /** Gray of the print (default 30). */
  inkGray?: number;
  /** Light falling off from left to right across the frame, as a share (default 0). */
  lightFalloff?: number;
  /** Gray of the product around the label (default 90). */
  productGray?: number;
  /** Gray of the paper (default 230). */
  paperGray?: number;
  /** Defocus, Gaussian sigma in px, applied before the noise (default 0). */
  blurSigmaPx?: number;
}

/** The label (paper 230) on a product (90) with the bars printed (ink 30), 4x4 supersampled, plus noise. */
function draw(scene: Scene, random: () => number): GrayImage {
  const widthPx = 800;
  const heightPx = 600;
  const data = new Uint8Array(widthPx * heightPx);
  const clean = new Float64Array(widthPx * heightPx);
  const a = (scene.angleDeg * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  const codeLength = scene.modules.length * scene.modulePx;
  const scanHalf = (scene.barsAcrossLong ? scene.lengthPx : scene.breadthPx) / 2;
  const barHalfHeight = 0.35 * (scene.barsAcrossLong ? scene.breadthPx : scene.lengthPx);
  if (codeLength > 2 * scanHalf - 20) throw new Error('code longer than the label');
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      let sum = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const dx = x + (sx + 0.5) / 4 - scene.centerXPx;
          const dy = y + (sy + 0.5) / 4 - scene.centerYPx;
          const u = dx * cos + dy * sin;
          const v = -dx * sin + dy * cos;
          if (Math.abs(u) > scene.lengthPx / 2 || Math.abs(v) > scene.breadthPx / 2) {
            sum += scene.productGray ?? 90;
            continue;
          }
          const [scan, along] = scene.barsAcrossLong ? [u, v] : [v, u];
          const k = Math.floor((scan + codeLength / 2) / scene.modulePx);
          const ink =
            Math.abs(along) < barHalfHeight && k >= 0 && k < scene.modules.length && scene.modules[k];
          sum += ink ? (scene.inkGray ?? 30) : (scene.paperGray ?? 230);
        }
      }
      const light = 1 - (scene.lightFalloff ?? 0) * (x / widthPx);
      clean[y * widthPx + x] = (sum / 16) * light;
    }
  }
  const blurred = scene.blurSigmaPx ? gaussianBlur(clean, widthPx, heightPx, scene.blurSigmaPx) : clean;
  for (let i = 0; i < data.length; i++)
    data[i] = Math.max(0, Math.min(255, Math.round(blurred[i]! + scene.noiseSigma * gauss())));
  return { widthPx, heightPx, data };
}

/** Separable Gaussian blur, edges clamped: the test's own lens. */
function gaussianBlur(src: Float64Array, w: number, h: number, sigmaPx: number): Float64Array {
  const radius = Math.ceil(3 * sigmaPx);
  const kernel: number[] = [];
  for (let t = -radius; t <= radius; t++) kernel.push(Math.exp(-(t * t) / (2 * sigmaPx * sigmaPx)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const pass = (from: Float64Array, horizontal: boolean): Float64Array => {
    const to = new Float64Array(from.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let t = -radius; t <= radius; t++) {
          const xx = horizontal ? Math.min(w - 1, Math.max(0, x + t)) : x;
          const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + t));
          acc += kernel[t + radius]! * from[yy * w + xx]!;
        }
        to[y * w + x] = acc / total;
      }
    return to;
  };
  return pass(pass(src, true), false);
}

function randomModules(random: () => number, count: number): boolean[] {
  // Runs of 1-4 modules, alternating ink and paper, starting and ending with ink (as bar codes do).
  const modules: boolean[] = [];
  let ink = true;
  while (modules.length < count) {
    const run = 1 + Math.floor(random() * 4);
    for (let i = 0; i < run; i++) modules.push(ink);
    ink = !ink;
  }
  modules.length = count;
  modules[count - 1] = true;
  return modules;
}

/** Share of modules whose profile value at the module's centre falls on the right side of mid-gray. */
function modulesRecovered(line: Uint8Array, scene: Scene, scanHalfPx: number): number {
  const codeLength = scene.modules.length * scene.modulePx;
  let right = 0;
  scene.modules.forEach((ink, k) => {
    const u = -codeLength / 2 + (k + 0.5) * scene.modulePx;
    const x = Math.round((u + scanHalfPx) * PROFILE_UPSAMPLE - 0.5);
    if (line[x]! < 128 === ink) right++;
  });
  return right / scene.modules.length;
}

describe(`barProfile on synthetic bars (seed ${SEED})`, () => {
  const base = (random: () => number): Scene => ({
    centerXPx: 402.3,
    centerYPx: 297.6,
    angleDeg: 3.7,
    lengthPx: 420,
    breadthPx: 260,
    modulePx: 1.6,
    modules: randomModules(random, 200),
    barsAcrossLong: true,
    noiseSigma: 35,
  });

  it('recovers every module of a 1.6 px code under noise that defeats a single scan line', () => {
    const random = seededRandom(SEED);
    const scene = base(random);
    const frame = draw(scene, random);
    // The outline's angle is off by 0.4 degree: the shear search must line the average up with the bars.
    const profile = barProfile(frame, {
      centerXPx: scene.centerXPx,
      centerYPx: scene.centerYPx,
      axisDeg: scene.angleDeg + 0.4,
      lengthPx: scene.lengthPx,
      breadthPx: scene.breadthPx,
    });
    expect(profile).toBeDefined();
    const line = profile!.image.data.subarray(0, profile!.image.widthPx);
    const scanHalfPx = profile!.image.widthPx / PROFILE_UPSAMPLE / 2;
    expect(modulesRecovered(line, scene, scanHalfPx)).toBe(1);
    expect(profile!.scanDeg).toBeCloseTo(scene.angleDeg + 0.4, 6);
    // One scan line through the label's centre, sampled the same way, loses modules to the noise.
    const single = new Uint8Array(profile!.image.widthPx);
    const a = ((scene.angleDeg + 0.4) * Math.PI) / 180;
    for (let x = 0; x < single.length; x++) {
      const u = (x + 0.5) / PROFILE_UPSAMPLE - scanHalfPx;
      const px = Math.round(scene.centerXPx + u * Math.cos(a) - 0.5);
      const py = Math.round(scene.centerYPx + u * Math.sin(a) - 0.5);
      single[x] = frame.data[py * frame.widthPx + px]! > 130 ? 255 : 0;
    }
    expect(modulesRecovered(single, scene, scanHalfPx)).toBeLessThan(1);
  });

  it('finds bars that run along the long axis and scans across them', () => {
    const random = seededRandom(SEED + 1);
    const scene = {
      ...base(random),
      barsAcrossLong: false,
      modules: randomModules(random, 120),
      angleDeg: -8,
    };
    const frame = draw(scene, random);
    const profile = barProfile(frame, {
      centerXPx: scene.centerXPx,
      centerYPx: scene.centerYPx,
      axisDeg: scene.angleDeg,
      lengthPx: scene.lengthPx,
      breadthPx: scene.breadthPx,
    });
    expect(profile!.scanDeg).toBeCloseTo(scene.angleDeg + 90, 6);
    const line = profile!.image.data.subarray(0, profile!.image.widthPx);
    expect(modulesRecovered(line, scene, profile!.image.widthPx / PROFILE_UPSAMPLE / 2)).toBe(1);
  });

  it("the band corners lie on the bars, and its print contrast is the print's", () => {
    const random = seededRandom(SEED + 2);
    const scene = { ...base(random), angleDeg: 0, noiseSigma: 3 };
    const frame = draw(scene, random);
    const profile = barProfile(frame, { ...scene, axisDeg: 0 })!;
    const codeHalf = (scene.modules.length * scene.modulePx) / 2;
    const xs = profile.cornersPx.map((p) => p.xPx);
    const ys = profile.cornersPx.map((p) => p.yPx);
    expect(Math.abs(Math.min(...xs) - (scene.centerXPx - codeHalf))).toBeLessThan(3);
    expect(Math.abs(Math.max(...xs) - (scene.centerXPx + codeHalf))).toBeLessThan(3);
    // Inside the bars' height (0.35 of the breadth either side), and most of it.
    const barHalf = 0.35 * scene.breadthPx;
    expect(Math.min(...ys)).toBeGreaterThan(scene.centerYPx - barHalf - 1);
    expect(Math.max(...ys)).toBeLessThan(scene.centerYPx + barHalf + 1);
    expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(1.4 * barHalf);
    // Print contrast on the averaged line: (paper - ink) / paper = (230 - 30) / 230.
    expect(profile.printContrast).toBeCloseTo(200 / 230, 1);
  });

  it('noise does not lift a faint print over the minimum: contrast is taken on the averaged line', () => {
    const random = seededRandom(SEED + 3);
    // PCS (230 - 170) / 230 = 0.26, under sensor noise sigma 12.
    const scene = { ...base(random), inkGray: 170, noiseSigma: 12, angleDeg: 2 };
    const frame = draw(scene, random);
    const profile = barProfile(frame, { ...scene, axisDeg: scene.angleDeg })!;
    expect(Math.abs(profile.printContrast - 60 / 230)).toBeLessThan(0.06);
  });

  it('light falling off along the code does not lift a faint print either: contrast is read locally', () => {
    const random = seededRandom(SEED + 4);
    // Paper 230 and ink 170 (PCS 0.26), with 40 % less light at the frame's right edge: over the
    // code, paper at its bright end against ink at its dark end would read about 0.35.
    const scene = { ...base(random), inkGray: 170, noiseSigma: 4, angleDeg: 0, lightFalloff: 0.4 };
    const frame = draw(scene, random);
    const profile = barProfile(frame, { ...scene, axisDeg: 0 })!;
    expect(Math.abs(profile.printContrast - 60 / 230)).toBeLessThan(0.05);
  });

  it("a faint print's contrast is never read off the label's outline, even where the outline reaches in", () => {
    const random = seededRandom(SEED + 5);
    // Paper 230 and ink 170 (PCS 0.26) on a dark product (20), a short code: the outline's step is
    // three times any bar's. The outline handed over is 16 px too long (a keystone's lean, a fit's
    // error), so the label's real ends lie inside the sampled band where bars are searched.
    const scene = {
      ...base(random),
      modules: randomModules(random, 100),
      lengthPx: 260,
      inkGray: 170,
      productGray: 20,
      noiseSigma: 3,
      angleDeg: 0,
    };
    const frame = draw(scene, random);
    const profile = barProfile(frame, { ...scene, lengthPx: scene.lengthPx + 16, axisDeg: 0 })!;
    expect(profile).toBeDefined();
    expect(Math.abs(profile.printContrast - 60 / 230)).toBeLessThan(0.06);
    // The bars' extent is the code's, not the outline's.
    const codeHalf = (scene.modules.length * scene.modulePx) / 2;
    const xs = profile.cornersPx.map((p) => p.xPx);
    expect(Math.abs(Math.min(...xs) - (scene.centerXPx - codeHalf))).toBeLessThan(4);
    expect(Math.abs(Math.max(...xs) - (scene.centerXPx + codeHalf))).toBeLessThan(4);
  });

  it('a faint print stands clear of the noise; noise on blank paper does not', () => {
    const random = seededRandom(SEED + 8);
    // PCS (230 - 215) / 230 = 0.065, far under any minimum, under sensor noise sigma 6.
    const faint = { ...base(random), inkGray: 215, noiseSigma: 6, angleDeg: 1 };
    const profile = barProfile(draw(faint, random), { ...faint, axisDeg: faint.angleDeg })!;
    expect(profile.printContrast).toBeLessThan(0.1);
    expect(profile.printAboveNoise).toBe(true);
    // The same label, blank: whatever the extent search takes for bars is noise.
    const blank = { ...faint, inkGray: 230 };
    const onBlank = barProfile(draw(blank, random), { ...blank, axisDeg: blank.angleDeg });
    expect(onBlank?.printAboveNoise ?? false).toBe(false);
  });

  it("the band's rows keep the cubic's overshoot inside 0..255 (a byte must not wrap)", () => {
    const random = seededRandom(SEED + 6);
    // White paper, black ink, no blur or noise: the cubic overshoots past 255 next to every edge.
    const scene = { ...base(random), paperGray: 255, inkGray: 0, noiseSigma: 0, modulePx: 2, angleDeg: 0 };
    const frame = draw(scene, random);
    const profile = barProfile(frame, { ...scene, axisDeg: 0 })!;
    expect(Math.max(...profile.line)).toBeGreaterThan(255.5);
    const { widthPx, heightPx, data } = profile.bandImage;
    let worst = 0;
    for (let r = 0; r < heightPx; r++)
      for (let i = 0; i < widthPx; i++) {
        const expected = Math.max(0, Math.min(255, profile.line[i]!));
        worst = Math.max(worst, Math.abs(data[r * widthPx + i]! - expected));
      }
    expect(worst).toBeLessThan(40);
  });

  it('the sharpened line restores the swing of narrow bars and spaces that defocus flattened', () => {
    const random = seededRandom(SEED + 7);
    // 2 px modules under a defocus of sigma 1.1 px (0.55 module): a one-module bar or space between
    // wide neighbours keeps about half its swing, and a decoder's threshold may merge it with them.
    const scene = { ...base(random), modulePx: 2, blurSigmaPx: 1.1, noiseSigma: 3, angleDeg: 1.5 };
    const frame = draw(scene, random);
    const profile = barProfile(frame, { ...scene, axisDeg: scene.angleDeg })!;
    const scanHalfPx = profile.image.widthPx / PROFILE_UPSAMPLE / 2;
    const plain = narrowSwing(profile.image.data.subarray(0, profile.image.widthPx), scene, scanHalfPx);
    const sharp = sharpenedLine(profile, 1.2, 2);
    expect(sharp.widthPx).toBe(profile.image.widthPx);
    expect(sharp.heightPx).toBe(profile.image.heightPx);
    const sharpened = narrowSwing(sharp.data.subarray(0, sharp.widthPx), scene, scanHalfPx);
    expect(plain).toBeLessThan(0.5);
    expect(sharpened).toBeGreaterThan(1.4 * plain);
    expect(modulesRecovered(sharp.data.subarray(0, sharp.widthPx), scene, scanHalfPx)).toBe(1);
  });
});

/**
 * Mean swing of one-module elements between two wide neighbours of the other colour: the line at
 * the element's centre against its neighbours' level one module either side, as a share of 255.
 */
function narrowSwing(line: Uint8Array, scene: Scene, scanHalfPx: number): number {
  const codeLength = scene.modules.length * scene.modulePx;
  const at = (k: number) => {
    const u = -codeLength / 2 + (k + 0.5) * scene.modulePx;
    return line[Math.round((u + scanHalfPx) * PROFILE_UPSAMPLE - 0.5)]!;
  };
  const m = scene.modules;
  let sum = 0;
  let count = 0;
  for (let k = 2; k < m.length - 2; k++) {
    const isolated = m[k - 1] === m[k - 2] && m[k + 1] === m[k + 2] && m[k - 1] !== m[k] && m[k + 1] !== m[k];
    if (!isolated) continue;
    sum += Math.abs(at(k) - (at(k - 1) + at(k + 1)) / 2) / 255;
    count++;
  }
  return count > 0 ? sum / count : 0;
}
