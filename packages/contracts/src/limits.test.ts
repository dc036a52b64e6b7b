import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateInputEvent } from './events.js';
import { Identifier, LIMITS, isSafeText, ruleShape, safeText } from './limits.js';
import { Rule } from './rules.js';
import { SegmentInput } from './segments.js';

const now = new Date('2026-12-01T12:00:00Z');
const purchase = (overrides: Record<string, unknown>) => ({
  eventId: 'e-1', type: 'purchase', customerId: 'c-1', occurredAt: '2026-12-01T11:00:00Z',
  orderId: 'o-1', amount: 10, currency: 'EUR', ...overrides,
});
// Any UTF-16 code unit, lone surrogates and NUL included.
const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength: 40 });
// The naive reading of the rules, unit by unit.
const isControl = (unit: number) => unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f);
const wellFormed = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
};
const hasControl = (text: string) => [...text].some((c) => isControl(c.charCodeAt(0)));
const nested = (depth: number): unknown => {
  let rule: unknown = { field: 'leadScore', op: 'gte', value: 1 };
  for (let i = 0; i < depth; i++) rule = { all: [rule] };
  return rule;
};

describe('input limits', () => {
  it('accepts as an id exactly the well-formed strings of 1..128 units without control characters', () => {
    fc.assert(
      fc.property(anyUnits, (text) => {
        const expected = text.length >= 1 && text.length <= LIMITS.idLength && wellFormed(text) && !hasControl(text);
        expect(Identifier.safeParse(text).success).toBe(expected);
      }),
    );
  });

  it('never accepts text that Postgres would refuse (NUL, unpaired surrogates)', () => {
    fc.assert(
      fc.property(anyUnits, (text) => {
        const accepted = safeText(1000).safeParse(text).success;
        expect(accepted).toBe(wellFormed(text) && !text.includes('\u0000'));
        expect(isSafeText(text)).toBe(accepted);
      }),
    );
  });

  it('rejects NUL and lone surrogates in every string field of an event, and keeps emoji', () => {
    expect(validateInputEvent(purchase({ customerId: 'c\u0000' }), now).ok).toBe(false);
    expect(validateInputEvent(purchase({ eventId: 'e\uD800' }), now).ok).toBe(false);
    expect(validateInputEvent(purchase({ items: [{ sku: 's', category: 'sh\u0000oes', quantity: 1, price: 1 }] }), now).ok).toBe(false);
    const traits = { eventId: 'e-2', type: 'traits', customerId: 'c-1', occurredAt: '2026-12-01T11:00:00Z' };
    expect(validateInputEvent({ ...traits, traits: { city: 'Ber\uDC00lin' } }, now).ok).toBe(false);
    expect(validateInputEvent({ ...traits, traits: { custom: { 'k\u0000': 'v' } } }, now).ok).toBe(false);
    expect(validateInputEvent({ ...traits, traits: { custom: { k: 'v\u0000' } } }, now).ok).toBe(false);
    expect(validateInputEvent({ eventId: 'e-3', type: 'email_open', customerId: 'c-1', occurredAt: '2026-12-01T11:00:00Z', campaignId: 'x\u0000' }, now).ok).toBe(false);
    expect(validateInputEvent(purchase({ customerId: 'c-😀' }), now).ok).toBe(true);
  });

  it('bounds amounts and prices to finite values that sum exactly', () => {
    expect(validateInputEvent(purchase({ amount: 1e305 }), now)).toMatchObject({ ok: false, errors: [{ path: 'amount' }] });
    expect(validateInputEvent(purchase({ items: [{ sku: 's', quantity: 1, price: 1e300 }] }), now).ok).toBe(false);
    expect(validateInputEvent(purchase({ amount: LIMITS.amountMax }), now).ok).toBe(true);
  });

  it('rejects deep and huge rules with a message instead of overflowing the stack', () => {
    for (const depth of [LIMITS.ruleDepth + 1, 1_000, 5_000, 100_000]) {
      const result = Rule.safeParse(nested(depth));
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/nest at most/);
    }
    expect(Rule.safeParse(nested(LIMITS.ruleDepth - 1)).success).toBe(true);
    const wide = { any: Array.from({ length: 100 }, () => ({ all: Array.from({ length: 6 }, () => ({ field: 'leadScore', op: 'gte', value: 1 })) })) };
    expect(ruleShape(wide).nodes).toBeGreaterThan(LIMITS.ruleNodes);
    expect(Rule.safeParse(wide).error?.issues[0]?.message).toMatch(/at most 500 nodes/);
    const huge = { field: 'traits.note', op: 'in', value: Array.from({ length: 100 }, () => 'x'.repeat(1000)) };
    expect(Rule.safeParse(huge).error?.issues[0]?.message).toMatch(/bytes/);
  });

  it('rejects NUL in segment names and rule values', () => {
    const rule = { field: 'traits.city', op: 'eq', value: 'Berlin' };
    expect(SegmentInput.safeParse({ name: 'a\u0000', rule }).success).toBe(false);
    expect(SegmentInput.safeParse({ name: 'a', rule: { ...rule, value: 'B\u0000' } }).success).toBe(false);
    expect(SegmentInput.safeParse({ name: 'a', rule }).success).toBe(true);
  });
});
