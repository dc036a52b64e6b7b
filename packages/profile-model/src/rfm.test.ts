import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RFM_SEGMENTS } from '@segflow/contracts';
import { nextRfmChange } from './next-change.js';
import type { RfmInputs } from './rfm.js';
import { RFM_GRID, computeQuintiles, rfmInputs, rfmScores, rfmSegment } from './rfm.js';
import { NOW, eventTime, fold, histories, purchase } from './test-support.js';
import { DAY_MS, HOUR_MS } from './time.js';

const inputs = (recencyDays: number | null, frequency: number, monetary: number): RfmInputs => ({ recencyDays, frequency, monetary });

describe('RFM', () => {
  it('derives recency in whole days and frequency and spend over 365 days', () => {
    const state = fold([purchase('e1', NOW - 400 * DAY_MS, 1000), purchase('e2', NOW - 100 * DAY_MS, 50), purchase('e3', NOW - 3 * DAY_MS - HOUR_MS, 25.5)]);
    expect(rfmInputs(state, NOW)).toEqual({ recencyDays: 3, frequency: 2, monetary: 75.5 });
    expect(rfmInputs(state, NOW, 30)).toEqual({ recencyDays: 3, frequency: 1, monetary: 25.5 });
    expect(rfmInputs(fold([]), NOW)).toEqual({ recencyDays: null, frequency: 0, monetary: 0 });
  });

  it('computes nearest-rank quintile boundaries over the customers who purchased', () => {
    const population = Array.from({ length: 100 }, (_, i) => inputs(i + 1, 100 - i, (i + 1) * 10));
    const q = computeQuintiles([...population, inputs(null, 0, 0)]);
    expect(q).toEqual({ population: 100, recencyDays: [20, 40, 60, 80], frequency: [20, 40, 60, 80], monetary: [200, 400, 600, 800] });
    expect(computeQuintiles([inputs(5, 1, 10), inputs(9, 1, 30), inputs(1, 2, 20)])).toEqual({
      population: 3,
      recencyDays: [1, 5, 5, 9],
      frequency: [1, 1, 1, 2],
      monetary: [10, 20, 20, 30],
    });
    expect(computeQuintiles([]).population).toBe(0);
  });

  it('scores 1–5: more recent, more frequent and higher spend score higher; boundaries belong to the lower quintile', () => {
    const q = computeQuintiles(Array.from({ length: 100 }, (_, i) => inputs(i + 1, i + 1, i + 1)));
    expect(rfmScores(inputs(1, 100, 100), q)).toEqual({ recency: 5, frequency: 5, monetary: 5 });
    expect(rfmScores(inputs(20, 20, 20), q)).toEqual({ recency: 5, frequency: 1, monetary: 1 });
    expect(rfmScores(inputs(21, 21, 21), q)).toEqual({ recency: 4, frequency: 2, monetary: 2 });
    expect(rfmScores(inputs(81, 81, 81), q)).toEqual({ recency: 1, frequency: 5, monetary: 5 });
    expect(rfmScores(inputs(null, 0, 0), q)).toBeNull();
  });

  it('gives scores in 1–5 that order like the inputs, for any population', () => {
    const row = fc.record({ recencyDays: fc.nat(500), frequency: fc.nat(50), monetary: fc.nat(10_000) });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 60 }), row, row, (population, a, b) => {
        const q = computeQuintiles(population);
        const sa = rfmScores(a, q)!;
        const sb = rfmScores(b, q)!;
        for (const s of [sa, sb]) for (const v of Object.values(s)) expect(v >= 1 && v <= 5).toBe(true);
        if (a.recencyDays <= b.recencyDays) expect(sa.recency).toBeGreaterThanOrEqual(sb.recency);
        if (a.frequency <= b.frequency) expect(sa.frequency).toBeLessThanOrEqual(sb.frequency);
        if (a.monetary <= b.monetary) expect(sa.monetary).toBeLessThanOrEqual(sb.monetary);
      }),
    );
  });

  it('names every cell of the R/F grid, each named segment at least once', () => {
    expect(rfmSegment({ recency: 5, frequency: 5 })).toBe('champions');
    expect(rfmSegment({ recency: 5, frequency: 1 })).toBe('new-customers');
    expect(rfmSegment({ recency: 4, frequency: 1 })).toBe('promising');
    expect(rfmSegment({ recency: 4, frequency: 5 })).toBe('loyal');
    expect(rfmSegment({ recency: 3, frequency: 4 })).toBe('loyal');
    expect(rfmSegment({ recency: 4, frequency: 2 })).toBe('potential-loyalist');
    expect(rfmSegment({ recency: 3, frequency: 3 })).toBe('need-attention');
    expect(rfmSegment({ recency: 3, frequency: 2 })).toBe('about-to-sleep');
    expect(rfmSegment({ recency: 2, frequency: 4 })).toBe('at-risk');
    expect(rfmSegment({ recency: 1, frequency: 5 })).toBe('cannot-lose-them');
    expect(rfmSegment({ recency: 2, frequency: 1 })).toBe('hibernating');
    expect(rfmSegment({ recency: 1, frequency: 2 })).toBe('lost');
    const named = new Set(RFM_GRID.flat());
    expect([...named].sort()).toEqual([...RFM_SEGMENTS].sort());
  });

  it('tells exactly when the scores next change with time alone', () => {
    const population = Array.from({ length: 50 }, (_, i) => inputs(i * 7, i % 6, i * 40));
    const q = computeQuintiles(population);
    fc.assert(
      fc.property(histories(fc.oneof(eventTime(30), eventTime(400)), 20, 1), fc.integer({ min: 0, max: 300 * DAY_MS }), (events, offset) => {
        const state = fold(events);
        const now = NOW + offset;
        const at = nextRfmChange(state, now, q);
        const scores = (t: number) => rfmScores(rfmInputs(state, t), q);
        if (at === null) {
          expect(scores(now + 900 * DAY_MS)).toEqual(scores(now));
          return;
        }
        expect(scores(at)).not.toEqual(scores(now));
        expect(scores(at - 1)).toEqual(scores(now));
      }),
      { numRuns: 200 },
    );
  });
});
