import { asMonotonicMs } from '@servo-edge/common/clock';
import { seededRandom } from '@servo-edge/firmware-protocol/testing';
import { describe, expect, it } from 'vitest';
import { ProductTracker } from './product-tracker.js';

/** Instants on the line's monotonic clock. */
const at = asMonotonicMs;
const config = { cameraToRejectMm: 500, armLeadMs: 50, rejectWithoutVerdict: true, maxTracked: 100 };

describe('product tracker', () => {
  it('orders a fire for a rejected product so the arm is centred when the product arrives', () => {
    const tracker = new ProductTracker(config);
    tracker.trigger('P1', 1000, at(0));
    expect(tracker.verdict('P1', 'reject', ['NO_CODE'], at(20))).toBe(true);
    // Belt at 1000 mm/s: P1 reaches 1500 mm at t = 500 ms; the order goes out 50 ms earlier.
    expect(tracker.plan(1100, 1000, at(100), 10)).toEqual([]);
    const decisions = tracker.plan(1445, 1000, at(445), 10);
    expect(decisions).toEqual([
      {
        productId: 'P1',
        reject: true,
        sendAtMs: 450,
        cause: 'verdict',
        reasons: ['NO_CODE'],
        rejectAtMm: 1500,
        armed: false,
      },
    ]);
    expect(tracker.plan(1455, 1000, at(455), 10)).toEqual([]); // once only
    expect(tracker.stats.firedOnVerdict).toBe(1);
  });

  it('lets a passed product go, and fires fail-safe for one without a verdict', () => {
    const tracker = new ProductTracker(config);
    tracker.trigger('GOOD', 1000, at(0));
    tracker.trigger('SILENT', 1100, at(100));
    tracker.verdict('GOOD', 'pass', [], at(30));
    const decisions = [...tracker.plan(1450, 1000, at(450), 10), ...tracker.plan(1550, 1000, at(550), 10)];
    expect(decisions).toEqual([
      {
        productId: 'GOOD',
        reject: false,
        sendAtMs: 450,
        cause: 'verdict',
        reasons: [],
        rejectAtMm: 1500,
        armed: false,
      },
      {
        productId: 'SILENT',
        reject: true,
        sendAtMs: 550,
        cause: 'no-verdict',
        reasons: [],
        rejectAtMm: 1600,
        armed: false,
      },
    ]);
  });

  it('can be told to let products without a verdict pass', () => {
    const tracker = new ProductTracker({ ...config, rejectWithoutVerdict: false });
    tracker.trigger('SILENT', 1000, at(0));
    expect(tracker.plan(1460, 1000, at(460), 10)).toMatchObject([{ productId: 'SILENT', reject: false }]);
  });

  it('a verdict after the decision point is counted late and changes nothing', () => {
    const tracker = new ProductTracker({ ...config, rejectWithoutVerdict: false });
    tracker.trigger('P1', 1000, at(0));
    tracker.plan(1460, 1000, at(460), 10);
    expect(tracker.verdict('P1', 'reject', ['NO_CODE'], at(470))).toBe(false);
    expect(tracker.stats.lateVerdicts).toBe(1);
  });

  it('ignores duplicate triggers and verdicts (QoS 1 redelivery) and counts unknown products', () => {
    const tracker = new ProductTracker(config);
    tracker.trigger('P1', 1000, at(0));
    tracker.trigger('P1', 1234, at(5));
    tracker.verdict('P1', 'reject', [], at(10));
    tracker.verdict('P1', 'pass', [], at(11));
    expect(tracker.verdict('NOPE', 'reject', [], at(12))).toBe(false);
    expect(tracker.stats).toMatchObject({ triggered: 1, verdicts: 1, unknownVerdicts: 1 });
    expect(tracker.plan(1450, 1000, at(450), 10)).toMatchObject([{ productId: 'P1', reject: true }]);
  });

  it('does not fire while the belt is stopped, and bounds what it tracks', () => {
    const tracker = new ProductTracker({ ...config, maxTracked: 2 });
    tracker.trigger('A', 0, at(0));
    tracker.trigger('B', 100, at(0));
    tracker.trigger('C', 200, at(0));
    expect(tracker.tracked).toBe(2);
    expect(tracker.stats.dropped).toBe(1);
    tracker.verdict('B', 'reject', [], at(0));
    expect(tracker.plan(599, 0, at(1000), 10)).toEqual([]);
  });

  describe('arming strokes on the controller (position triggering)', () => {
    it('hands out a rejected product once, as soon as its verdict is in', () => {
      const tracker = new ProductTracker(config);
      tracker.trigger('P1', 1000, at(0));
      expect(tracker.armable()).toEqual([]);
      tracker.verdict('P1', 'reject', ['SKEWED'], at(20));
      expect(tracker.armable()).toEqual([{ productId: 'P1', rejectAtMm: 1500, reasons: ['SKEWED'] }]);
      expect(tracker.armable()).toEqual([]);
      // At its decision point the product is counted as before, marked as armed: nothing to send.
      expect(tracker.plan(1450, 1000, at(450), 10)).toMatchObject([
        { productId: 'P1', reject: true, armed: true },
      ]);
    });

    it('arms in belt order: a verdict that overtakes an earlier one waits for it', () => {
      const tracker = new ProductTracker(config);
      tracker.trigger('A', 1000, at(0));
      tracker.trigger('B', 1250, at(250));
      tracker.trigger('C', 1500, at(500));
      tracker.verdict('B', 'reject', [], at(260)); // B's inspection finished first
      expect(tracker.armable()).toEqual([]); // A undecided: B must not go ahead of it
      tracker.verdict('A', 'reject', [], at(270));
      expect(tracker.armable().map((p) => p.productId)).toEqual(['A', 'B']);
      tracker.verdict('C', 'pass', [], at(280));
      expect(tracker.armable()).toEqual([]);
    });

    it('a product decided without a verdict unblocks the ones behind it', () => {
      const tracker = new ProductTracker(config);
      tracker.trigger('SILENT', 1000, at(0));
      tracker.trigger('BAD', 1250, at(250));
      tracker.verdict('BAD', 'reject', [], at(300));
      expect(tracker.armable()).toEqual([]);
      expect(tracker.plan(1450, 1000, at(450), 10)).toMatchObject([
        { productId: 'SILENT', reject: true, cause: 'no-verdict', armed: false },
      ]);
      expect(tracker.armable().map((p) => p.productId)).toEqual(['BAD']);
    });

    it('after the armed strokes were cancelled, the products not yet due are armable again', () => {
      const tracker = new ProductTracker(config);
      tracker.trigger('DUE', 1000, at(0));
      tracker.trigger('LATER', 1250, at(250));
      tracker.verdict('DUE', 'reject', [], at(260));
      tracker.verdict('LATER', 'reject', [], at(270));
      expect(tracker.armable()).toHaveLength(2);
      tracker.plan(1450, 1000, at(450), 10); // DUE reached its decision point
      expect(tracker.disarm()).toBe(1);
      expect(tracker.armable().map((p) => p.productId)).toEqual(['LATER']);
    });

    it('random verdict orders always arm in belt order, each reject once (seeded)', () => {
      const seed = 0x5eed;
      const random = seededRandom(seed);
      for (let round = 0; round < 50; round++) {
        const tracker = new ProductTracker({ ...config, maxTracked: 1000 });
        const ids = Array.from({ length: 20 }, (_, i) => `P${i}`);
        for (const [i, id] of ids.entries()) tracker.trigger(id, 1000 + 250 * i, at(i));
        const verdicts = new Map(ids.map((id) => [id, random() < 0.3 ? 'reject' : 'pass'] as const));
        const order = [...ids].sort(() => random() - 0.5);
        const armed: string[] = [];
        for (const id of order) {
          tracker.verdict(id, verdicts.get(id)!, [], at(100));
          armed.push(...tracker.armable().map((p) => p.productId));
        }
        const rejects = ids.filter((id) => verdicts.get(id) === 'reject');
        expect({ seed, round, armed }).toEqual({ seed, round, armed: rejects });
      }
    });
  });
});

describe('product tracker: station marks', () => {
  const marked = { ...config, productPitchMm: 100 };

  it('keeps a mark for a product the camera has not seen, and rejects it though vision passes it', () => {
    const tracker = new ProductTracker(marked);
    // 1. The check-weigher fails the product that will cross the camera at 1000 mm.
    expect(tracker.markForReject(1000, 'filler:CHECK_FAILED')).toBe('pending');
    // 2. Its neighbours cross at 900 and 1100 mm; the marked one at 1002 (within half a pitch).
    tracker.trigger('BEFORE', 900, at(0));
    tracker.trigger('MARKED', 1002, at(100));
    tracker.trigger('AFTER', 1100, at(200));
    for (const id of ['BEFORE', 'MARKED', 'AFTER']) tracker.verdict(id, 'pass', [], at(250));
    expect(tracker.armable()).toEqual([
      { productId: 'MARKED', rejectAtMm: 1502, reasons: ['filler:CHECK_FAILED'] },
    ]);
    const decisions = tracker.plan(1700, 1000, at(1000), 10);
    expect(decisions.filter((d) => d.reject).map((d) => [d.productId, d.cause])).toEqual([
      ['MARKED', 'station'],
    ]);
    expect(tracker.stats.firedOnStation).toBe(1);
  });

  it('marks a tracked product, even after its verdict; a mark after its decision point is too late', () => {
    const tracker = new ProductTracker(marked);
    tracker.trigger('P1', 1000, at(0));
    tracker.verdict('P1', 'pass', [], at(20));
    expect(tracker.markForReject(1010, 'sealer:CHECK_FAILED')).toBe('marked');
    const [decision] = tracker.plan(1460, 1000, at(460), 10);
    expect(decision).toMatchObject({ productId: 'P1', reject: true, cause: 'station' });
    expect(tracker.markForReject(1000, 'labeler:MISSED')).toBe('too-late');
    expect(tracker.stats.lateMarks).toBe(1);
  });

  it('refuses marks without a pitch to match them by', () => {
    expect(new ProductTracker(config).markForReject(1000, 'filler:MISSED')).toBe('too-late');
  });
});
