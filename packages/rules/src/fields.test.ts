import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sameJson } from './fields.js';

// The plain reading: two JSON values are equal when their canonical texts are.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );

describe('sameJson', () => {
  it('agrees with comparing canonical JSON texts', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(sameJson(a, b)).toBe(canonical(a) === canonical(b));
        expect(sameJson(a, JSON.parse(JSON.stringify(a)))).toBe(true);
      }),
    );
  });

  it('tells apart values that differ deep inside, in key order or not', () => {
    expect(sameJson({ m: { '1': 2, '2': 3 } }, { m: { '2': 3, '1': 2 } })).toBe(true);
    expect(sameJson({ m: { '1': 2 } }, { m: { '1': 2, '2': 0 } })).toBe(false);
    expect(sameJson([1, [2, 3]], [1, [2, 4]])).toBe(false);
    expect(sameJson({ a: [] }, { a: {} })).toBe(false);
  });
});
