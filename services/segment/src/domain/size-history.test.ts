import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SIZE_STEPS, sizePoints, sizeRange } from './size-history.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string) => Date.parse(iso);

describe('size history range', () => {
  const now = t('2026-11-23T10:20:00Z');
  const keptSince = now - 400 * DAY;

  it('rounds from down and to up to whole UTC steps', () => {
    expect(sizeRange({ from: t('2026-11-20T05:10:00Z'), to: t('2026-11-22T01:00:00Z'), step: '1d' }, now, keptSince)).toEqual({
      from: t('2026-11-20T00:00:00Z'),
      to: t('2026-11-23T00:00:00Z'),
    });
    expect(sizeRange({ from: t('2026-11-23T08:59:59Z'), to: t('2026-11-23T09:00:01Z'), step: '1h' }, now, keptSince)).toEqual({
      from: t('2026-11-23T08:00:00Z'),
      to: t('2026-11-23T10:00:00Z'),
    });
  });

  it('ends with the step in progress and starts with the first step the retention period holds whole', () => {
    expect(sizeRange({ from: t('2024-01-01T00:00:00Z'), to: t('2027-01-01T00:00:00Z'), step: '1d' }, now, keptSince)).toEqual({
      from: Math.ceil(keptSince / DAY) * DAY,
      to: t('2026-11-24T00:00:00Z'),
    });
    expect(sizeRange({ from: t('2026-11-23T10:00:00Z'), to: t('2026-11-23T10:00:01Z'), step: '1h' }, t('2026-11-23T10:00:00Z'), keptSince)).toEqual({
      from: t('2026-11-23T10:00:00Z'),
      to: t('2026-11-23T11:00:00Z'),
    });
  });

  it('is empty when all of it lies in the future or before the retention period', () => {
    const future = sizeRange({ from: t('2027-01-01T00:00:00Z'), to: t('2027-02-01T00:00:00Z'), step: '1d' }, now, keptSince);
    expect(future.from).toBe(future.to);
    const past = sizeRange({ from: t('2020-01-01T00:00:00Z'), to: t('2020-02-01T00:00:00Z'), step: '1d' }, now, keptSince);
    expect(past.from).toBe(past.to);
  });
});

describe('size history points', () => {
  it('gives the size at the end of each step by a running sum from the size before the range', () => {
    const range = { from: t('2026-11-21T00:00:00Z'), to: t('2026-11-24T00:00:00Z') };
    const points = sizePoints(range, DAY, {
      before: 100,
      bins: new Map([
        [0, { entered: 10, exited: 2 }],
        [2, { entered: 0, exited: 8 }],
      ]),
    });
    expect(points).toEqual([
      { at: '2026-11-21T00:00:00.000Z', size: 108, entered: 10, exited: 2 },
      { at: '2026-11-22T00:00:00.000Z', size: 108, entered: 0, exited: 0 },
      { at: '2026-11-23T00:00:00.000Z', size: 100, entered: 0, exited: 8 },
    ]);
  });

  it('matches the members counted from the intervals at the end of every step', () => {
    // Intervals as [enteredHour, exitedHour | null]; the counters bin their changes by hour.
    const interval = fc.tuple(fc.integer({ min: 0, max: 200 }), fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }));
    fc.assert(
      fc.property(fc.array(interval, { maxLength: 60 }), fc.integer({ min: 0, max: 150 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom<'1h' | '1d'>('1h', '1d'), (stays, fromHour, hours, step) => {
        const asIntervals = stays.map(([entered, length]) => ({ entered: entered * HOUR, exited: length === null ? null : (entered + length) * HOUR }));
        const stepMs = SIZE_STEPS[step];
        const range = { from: Math.floor((fromHour * HOUR) / stepMs) * stepMs, to: Math.floor((fromHour * HOUR) / stepMs) * stepMs + hours * stepMs };
        const bins = new Map<number, { entered: number; exited: number }>();
        let before = 0;
        const count = (at: number, field: 'entered' | 'exited') => {
          if (at >= range.to) return;
          if (at < range.from) before += field === 'entered' ? 1 : -1;
          else {
            const bin = bins.get(Math.floor((at - range.from) / stepMs)) ?? { entered: 0, exited: 0 };
            bin[field] += 1;
            bins.set(Math.floor((at - range.from) / stepMs), bin);
          }
        };
        for (const i of asIntervals) {
          count(i.entered, 'entered');
          if (i.exited !== null) count(i.exited, 'exited');
        }
        const points = sizePoints(range, stepMs, { before, bins });
        expect(points).toHaveLength(hours);
        for (const p of points) {
          const end = Date.parse(p.at) + stepMs;
          expect(p.size).toBe(asIntervals.filter((i) => i.entered < end && (i.exited === null || i.exited >= end)).length);
        }
      }),
    );
  });
});
