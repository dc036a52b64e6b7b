import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { age, nextBirthday } from './age.js';
import { DAY_MS } from './time.js';

const at = (iso: string) => Date.parse(iso);

describe('age', () => {
  it('counts whole years, completing one at 00:00 UTC on the birthday', () => {
    expect(age('1990-06-15', at('2026-06-14T23:59:59.999Z'))).toBe(35);
    expect(age('1990-06-15', at('2026-06-15T00:00:00.000Z'))).toBe(36);
    expect(age('1990-06-15', new Date('2026-12-31T00:00:00Z'))).toBe(36);
  });

  it('has a 29 February birthday fall on 1 March in common years', () => {
    expect(age('2000-02-29', at('2023-02-28T23:59:59.999Z'))).toBe(22);
    expect(age('2000-02-29', at('2023-03-01T00:00:00.000Z'))).toBe(23);
    expect(age('2000-02-29', at('2024-02-29T00:00:00.000Z'))).toBe(24);
    expect(nextBirthday('2000-02-29', at('2023-01-10T00:00:00Z'))).toBe(at('2023-03-01T00:00:00Z'));
    expect(nextBirthday('2000-02-29', at('2024-01-10T00:00:00Z'))).toBe(at('2024-02-29T00:00:00Z'));
  });

  it('is null for a birth date in the future or malformed, and changes at birth', () => {
    expect(age('2030-01-01', at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(nextBirthday('2030-01-01', at('2026-01-01T00:00:00Z'))).toBe(at('2030-01-01T00:00:00Z'));
    expect(age('2021-02-29', at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(age('yesterday', at('2026-01-01T00:00:00Z'))).toBeNull();
    expect(nextBirthday('1990-13-01', at('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('changes exactly at the next birthday and not before', () => {
    const dates = fc.date({ min: new Date('1920-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(dates, fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2040-01-01') }), fc.double({ min: 0, max: 1, noNaN: true }), (birthDate, now, s) => {
        const next = nextBirthday(birthDate, now)!;
        expect(next).toBeGreaterThan(now);
        expect(next - now).toBeLessThanOrEqual(367 * DAY_MS + (Date.parse(birthDate) > now ? Date.parse(birthDate) - now : 0));
        expect(age(birthDate, next)).not.toBe(age(birthDate, next - 1));
        expect(age(birthDate, now + Math.floor(s * (next - 1 - now)))).toBe(age(birthDate, now));
      }),
    );
  });
});
