// Label geometry on synthetic scenes of known truth: a paper rectangle of known centre and angle on a
// product box on a belt, with the box darker or brighter than the belt, light falling off, print and noise.
//
// The scene is drawn here with its own coverage-based rasteriser (not the simulator's and not
// vision's), so the oracle shares no code with what it checks.

import { seededRandom } from '@servo-edge/common/testing';
import { describe, expect, it } from 'vitest';
import type { BarcodeDecoder } from '../decode/barcode-decoder.js';
import { inspectImage } from '../inspect/inspect-image.js';
import { findLabel, normalizeHalfTurn } from './label-geometry.js';
import { minAreaRect } from './min-area-rect.js';

const SEED = 20261;

interface Rect {
  cx: number;
  cy: number;
  w: number;
  h: number;
  angleDeg: number;
}

/** Paints `gray` over a rotated rectangle, edge pixels by their covered share (4x4 supersampling). */
function paint(
  data: Float32Array,
  widthPx: number,
  rect: Rect,
  gray: number | ((u: number, v: number) => number),
) {
  const a = (rect.angleDeg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const reach = Math.hypot(rect.w, rect.h) / 2 + 2;
  const heightPx = data.length / widthPx;
  for (let y = Math.max(0, Math.floor(rect.cy - reach)); y < Math.min(heightPx, rect.cy + reach); y++) {
    for (let x = Math.max(0, Math.floor(rect.cx - reach)); x < Math.min(widthPx, rect.cx + reach); x++) {
      let covered = 0;
      let value = 0;
      for (let k = 0; k < 16; k++) {
        const px = x + ((k % 4) + 0.5) / 4 - rect.cx;
        const py = y + (Math.floor(k / 4) + 0.5) / 4 - rect.cy;
        const u = cos * px + sin * py;
        const v = -sin * px + cos * py;
        if (Math.abs(u) <= rect.w / 2 && Math.abs(v) <= rect.h / 2) {
          covered++;
          value += typeof gray === 'number' ? gray : gray(u, v);
        }
      }
      if (covered === 0) continue;
      const i = y * widthPx + x;
      data[i] = data[i]! * (1 - covered / 16) + value / 16;
    }
  }
}

interface Scene {
  belt: number;
  product: number;
  paper: number;
  label: Rect;
  gradient?: number;
  noise?: number;
  print?: boolean;
  /** The product box; by default centred, 1.7 times the label plus 60 px, turned 2 degrees. */
  box?: Rect;
}

function render(scene: Scene, seed: number) {
  const widthPx = 1280;
  const heightPx = 960;
  const data = new Float32Array(widthPx * heightPx).fill(scene.belt);
  paint(
    data,
    widthPx,
    scene.box ?? { cx: 640, cy: 480, w: scene.label.w * 1.7 + 60, h: scene.label.h * 1.7 + 60, angleDeg: 2 },
    scene.product,
  );
  // Bars of 2-3 px inside the label's middle, like a linear code with its quiet zone.
  const ink = (u: number, v: number) =>
    scene.print &&
    Math.abs(u) < scene.label.w * 0.3 &&
    Math.abs(v) < scene.label.h * 0.3 &&
    Math.floor((u + 1000) / 2.5) % 3 === 0
      ? 30
      : scene.paper;
  paint(data, widthPx, scene.label, ink);
  const random = seededRandom(seed);
  const out = new Uint8Array(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const light = 1 + (scene.gradient ?? 0) * ((x - 640) / 1280);
      const noise = (scene.noise ?? 0) * (random() + random() + random() - 1.5) * 2;
      out[y * widthPx + x] = Math.max(0, Math.min(255, Math.round(data[y * widthPx + x]! * light + noise)));
    }
  }
  return { widthPx, heightPx, data: out };
}

function regionFor(label: Rect, tolerancePx = 40) {
  return {
    xPx: Math.round(label.cx - label.w / 2),
    yPx: Math.round(label.cy - label.h / 2),
    widthPx: label.w,
    heightPx: label.h,
    positionTolerancePx: tolerancePx,
  };
}

describe(`findLabel on synthetic rectangles (seed ${SEED})`, () => {
  const cases: Array<[string, Omit<Scene, 'label'>]> = [
    ['dark product on a brighter belt', { belt: 110, product: 50, paper: 235 }],
    ['mid-gray product on a darker noisy belt', { belt: 85, product: 170, paper: 240, noise: 6 }],
    ['bright product, faint paper step', { belt: 60, product: 195, paper: 228, noise: 3 }],
    ['uneven light and print', { belt: 70, product: 120, paper: 230, gradient: 0.3, noise: 4, print: true }],
  ];
  it.each(cases)('%s: centre within 2 px, angle within 0.5 degree', (_name, look) => {
    const random = seededRandom(SEED);
    for (let i = 0; i < 6; i++) {
      const label: Rect = {
        cx: 600 + random() * 80,
        cy: 450 + random() * 60,
        w: 300 + random() * 300,
        h: 0,
        angleDeg: (random() - 0.5) * 24,
      };
      label.h = label.w / (1.3 + random() * 0.5);
      const image = render({ ...look, label }, SEED + i);
      const found = findLabel(
        image,
        regionFor({
          ...label,
          angleDeg: 0,
          cx: 640,
          cy: 480,
          w: Math.round(label.w),
          h: Math.round(label.h),
        }),
      );
      expect(found.present, `${i}`).toBe(true);
      expect(Math.abs(found.centerXPx! - label.cx), `x ${i}`).toBeLessThan(2);
      expect(Math.abs(found.centerYPx! - label.cy), `y ${i}`).toBeLessThan(2);
      expect(Math.abs(normalizeHalfTurn(found.angleDeg! - label.angleDeg)), `angle ${i}`).toBeLessThan(0.5);
      expect(found.lengthPx!).toBeGreaterThan(label.w - 3);
      expect(found.lengthPx!).toBeLessThan(label.w + 3);
    }
  });

  it('measures a label far off its region and turned well past any tolerance', () => {
    const label: Rect = { cx: 800, cy: 560, w: 360, h: 240, angleDeg: 27 };
    const image = render({ belt: 80, product: 150, paper: 235, noise: 3, label }, SEED);
    const found = findLabel(image, regionFor({ cx: 640, cy: 480, w: 360, h: 240, angleDeg: 0 }, 40));
    expect(Math.hypot(found.centerXPx! - 800, found.centerYPx! - 560)).toBeLessThan(2);
    expect(Math.abs(found.angleDeg! - 27)).toBeLessThan(0.5);
  });

  it("takes the paper's edge, not a brighter box's edge running just outside it", () => {
    // Belt 70, box 190, paper 228: the belt-to-box rise is three times the box-to-paper one, and the
    // box's lower edge runs 0-20 px below the label's, 3 degrees off it.
    const label: Rect = { cx: 640, cy: 480, w: 500, h: 300, angleDeg: -2.5 };
    const box: Rect = { cx: 640, cy: 380, w: 900, h: 2 * (480 + 150 + 8 - 380), angleDeg: 0.5 };
    const image = render({ belt: 70, product: 190, paper: 228, noise: 3, label, box }, SEED);
    const found = findLabel(image, regionFor({ ...label, angleDeg: 0 }));
    expect(Math.hypot(found.centerXPx! - label.cx, found.centerYPx! - label.cy)).toBeLessThan(2);
    expect(Math.abs(found.angleDeg! - label.angleDeg)).toBeLessThan(0.5);
    expect(Math.abs(found.breadthPx! - label.h)).toBeLessThan(3);
  });

  it("measures a long label whose dim end is darker than the product's lit end", () => {
    // Light rises 50 % from left to right: the label's left end (paper 215 x 0.82) is darker than
    // the box's right end (150 x 1.22), so no single level holds the whole label without the box.
    const label: Rect = { cx: 640, cy: 480, w: 950, h: 250, angleDeg: 1 };
    const box: Rect = { cx: 640, cy: 480, w: 1150, h: 450, angleDeg: 0.5 };
    const image = render(
      { belt: 60, product: 150, paper: 215, gradient: 0.5, noise: 3, print: true, label, box },
      SEED,
    );
    const found = findLabel(image, regionFor({ ...label, angleDeg: 0 }));
    expect(Math.hypot(found.centerXPx! - label.cx, found.centerYPx! - label.cy)).toBeLessThan(2);
    expect(Math.abs(found.lengthPx! - label.w)).toBeLessThan(3);
  });

  it('finds a label whose edge runs a few pixels from the frame border', () => {
    const label: Rect = { cx: 540, cy: 770, w: 600, h: 350, angleDeg: -2 };
    const box: Rect = { cx: 640, cy: 300, w: 700, h: 500, angleDeg: 1 };
    const image = render({ belt: 70, product: 60, paper: 220, noise: 3, print: true, label, box }, SEED);
    const found = findLabel(image, regionFor({ cx: 630, cy: 450, w: 600, h: 350, angleDeg: 0 }, 60));
    expect(Math.hypot(found.centerXPx! - label.cx, found.centerYPx! - label.cy)).toBeLessThan(2);
    expect(found.cutByFrame).toBeUndefined();
  });

  it('places the side the frame hides by the recipe size', () => {
    // 1000 px long, centred 880: its right 100 px lie beyond the frame.
    const label: Rect = { cx: 880, cy: 440, w: 1000, h: 270, angleDeg: 0 };
    const box: Rect = { cx: 640, cy: 450, w: 1300, h: 500, angleDeg: 0 };
    const image = render({ belt: 80, product: 40, paper: 235, noise: 3, print: true, label, box }, SEED);
    const found = findLabel(image, regionFor({ cx: 600, cy: 460, w: 1000, h: 270, angleDeg: 0 }, 70));
    expect(found.cutByFrame).toBe(true);
    expect(Math.hypot(found.centerXPx! - label.cx, found.centerYPx! - label.cy)).toBeLessThan(3);
  });

  it('does not take the product box for a label', () => {
    // A bright box, no label: the box is much bigger than the recipe's label.
    const image = render(
      { belt: 70, product: 200, paper: 200, noise: 3, label: { cx: 640, cy: 480, w: 0, h: 0, angleDeg: 0 } },
      SEED,
    );
    expect(findLabel(image, regionFor({ cx: 640, cy: 480, w: 360, h: 240, angleDeg: 0 })).present).toBe(
      false,
    );
  });

  it('a portrait region measures rotation from its vertical axis', () => {
    const label: Rect = { cx: 640, cy: 480, w: 240, h: 380, angleDeg: 3 };
    const image = render({ belt: 80, product: 140, paper: 235, label }, SEED);
    const found = findLabel(image, regionFor({ ...label, angleDeg: 0 }));
    expect(Math.abs(found.angleDeg! - 3)).toBeLessThan(0.5);
  });
});

describe('minAreaRect', () => {
  it('recovers a rotated rectangle from its corners and interior points', () => {
    const a = (20 * Math.PI) / 180;
    const pts = [];
    for (const [u, v] of [
      [-50, -20],
      [50, -20],
      [50, 20],
      [-50, 20],
      [0, 0],
      [10, 5],
    ] as const)
      pts.push({ x: 100 + u * Math.cos(a) - v * Math.sin(a), y: 80 + u * Math.sin(a) + v * Math.cos(a) });
    const rect = minAreaRect(pts)!;
    expect(rect.centerX).toBeCloseTo(100, 6);
    expect(rect.centerY).toBeCloseTo(80, 6);
    expect(rect.width * rect.height).toBeCloseTo(100 * 40, 6);
    expect(
      Math.abs(normalizeHalfTurn(rect.angleDeg - 20)) < 1e-6 ||
        Math.abs(normalizeHalfTurn(rect.angleDeg - 110)) < 1e-6,
    ).toBe(true);
  });
  it('is undefined for collinear points', () => {
    expect(
      minAreaRect([
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ]),
    ).toBeUndefined();
  });
});

describe('inspectImage on a label the frame cuts (a patch of belt at the border can show three sides of paper too)', () => {
  // The scene of 'places the side the frame hides by the recipe size': its right 100 px lie beyond the frame.
  const label: Rect = { cx: 880, cy: 440, w: 1000, h: 270, angleDeg: 0 };
  const box: Rect = { cx: 640, cy: 450, w: 1300, h: 500, angleDeg: 0 };
  const image = render({ belt: 80, product: 40, paper: 235, noise: 3, print: true, label, box }, SEED);
  const plan = {
    symbology: 'gs1-datamatrix' as const,
    region: regionFor({ cx: 600, cy: 460, w: 1000, h: 270, angleDeg: 0 }, 70),
  };
  const decoderReading = (text: string | null): BarcodeDecoder & { calls: number } => {
    const decoder = {
      name: 'fake',
      calls: 0,
      decode: async () => {
        decoder.calls++;
        return text === null ? null : { symbology: 'gs1-datamatrix' as const, text, isGs1: true };
      },
    };
    return decoder;
  };

  it('counts only with its code read: without one there is no label, so NO_LABEL rather than NO_CODE', async () => {
    const decoder = decoderReading(null);
    const findings = await inspectImage(image, plan, decoder);
    // The geometry did find three sides of paper and asked for the code: the rule, not a miss, says no.
    expect(findLabel(image, plan.region).cutByFrame).toBe(true);
    expect(decoder.calls).toBeGreaterThan(0);
    expect(findings.label.present).toBe(false);
    expect(findings.symbol).toBeNull();
    expect(findings.printContrast).toBeNull();
  });

  it('with its code read it is a label, placed from the recipe size', async () => {
    const findings = await inspectImage(image, plan, decoderReading('0109506000134352'));
    expect(findings.label.present).toBe(true);
    expect(findings.label.cutByFrame).toBe(true);
    expect(findings.symbol?.text).toBe('0109506000134352');
    expect(
      Math.hypot(findings.label.centerXPx! - label.cx, findings.label.centerYPx! - label.cy),
    ).toBeLessThan(3);
  });
});
