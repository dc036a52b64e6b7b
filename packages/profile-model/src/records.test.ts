import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneJson } from './records.js';
import { iso, parseIso } from './time.js';

describe('cloneJson', () => {
  it('copies any JSON value deeply: equal to the original, sharing no object with it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = cloneJson(value);
        expect(copy).toStrictEqual(value);
        const originals = new Set<unknown>();
        const walk = (v: unknown, visit: (o: object) => void) => {
          if (typeof v !== 'object' || v === null) return;
          visit(v);
          for (const child of Object.values(v)) walk(child, visit);
        };
        walk(value, (o) => originals.add(o));
        walk(copy, (o) => expect(originals.has(o)).toBe(false));
      }),
    );
  });

  it('keeps keys such as "__proto__" as own data, as the profile stores category names', () => {
    const categories = JSON.parse('{"__proto__": {"count": 2}, "constructor": {"count": 1}}') as Record<string, { count: number }>;
    const copy = cloneJson({ categories });
    expect(Object.hasOwn(copy.categories, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(copy.categories)).toBe(Object.prototype);
    expect(Object.keys(copy.categories)).toEqual(['__proto__', 'constructor']);
    expect(copy.categories['__proto__']).toEqual({ count: 2 });
  });
});

describe('remembered instants', () => {
  it('parseIso and iso answer as Date does, whatever was converted before', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -8.64e15, max: 8.64e15 }), { minLength: 1, maxLength: 50 }), (instants) => {
        for (const t of [...instants, ...instants.reverse()]) {
          expect(iso(t)).toBe(new Date(t).toISOString());
          expect(parseIso(iso(t))).toBe(t);
        }
        expect(Number.isNaN(parseIso('not a date'))).toBe(true);
      }),
    );
  });
});
