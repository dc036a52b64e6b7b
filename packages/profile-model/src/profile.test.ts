import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '@segflow/contracts';
import { applyEvent, currencyConverter, emptyProfile } from './profile.js';
import type { ProfileState } from './profile.js';

const now = new Date('2026-11-23T10:00:00Z');
const toBase = currencyConverter('EUR', { USD: 0.9 });
const context = { now, toBase };

const apply = (events: CustomerEvent[]): ProfileState =>
  events.reduce((state, event) => {
    const result = applyEvent(state, event, context);
    if (!result.ok) throw new Error(result.reason);
    return result.state;
  }, emptyProfile('c-1', now));

const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString();
const common = (i: number, minute: number) => ({ eventId: `e-${i}`, customerId: 'c-1', occurredAt: at(minute), receivedAt: at(minute) });

const event: fc.Arbitrary<(i: number) => CustomerEvent> = fc.oneof(
  fc.record({ minute: fc.nat(10_000), amount: fc.double({ min: 0, max: 10_000, noNaN: true }), usd: fc.boolean() }).map(
    ({ minute, amount, usd }) => (i: number) => ({ ...common(i, minute), type: 'purchase' as const, orderId: `o-${i}`, amount, currency: usd ? 'USD' : 'EUR' }),
  ),
  fc.nat(10_000).map((minute) => (i: number) => ({ ...common(i, minute), type: 'page_view' as const, url: '/x' })),
  fc.nat(10_000).map((minute) => (i: number) => ({ ...common(i, minute), type: 'email_open' as const, campaignId: 'k' })),
  fc.record({ minute: fc.nat(50), city: fc.constantFrom('Berlin', 'Paris', 'Rome'), country: fc.constantFrom('DE', 'FR') }).map(
    ({ minute, city, country }) => (i: number) => ({ ...common(i, minute), type: 'traits' as const, traits: { city, country } }),
  ),
);
const histories = fc.array(event, { maxLength: 40 }).map((makers) => makers.map((make, i) => make(i)));

describe('profile reducer', () => {
  it('gives the same profile for any order of the same events', () => {
    fc.assert(
      fc.property(histories.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length }))), ([events, shuffled]) => {
        expect(apply(shuffled)).toEqual(apply(events));
      }),
    );
  });

  it('counts purchases, totals in the base currency, and first/last times', () => {
    const state = apply([
      { ...common(1, 5), type: 'purchase' as const, orderId: 'o1', amount: 100, currency: 'EUR' },
      { ...common(2, 1), type: 'purchase' as const, orderId: 'o2', amount: 10, currency: 'USD' },
      { ...common(3, 9), type: 'page_view' as const, url: '/a' },
    ]);
    expect(state.snapshot.purchase).toEqual({ count: 2, total: 109, firstAt: at(1), lastAt: at(5) });
    expect(state.snapshot.pageView).toEqual({ count: 1, lastAt: at(9) });
    expect(state.snapshot.version).toBe(3);
  });

  it('keeps, per trait, the value of the latest occurredAt', () => {
    const state = apply([
      { ...common(1, 20), type: 'traits' as const, traits: { city: 'Paris' } },
      { ...common(2, 10), type: 'traits' as const, traits: { city: 'Berlin', country: 'DE' } },
    ]);
    expect(state.snapshot.traits).toEqual({ city: 'Paris', country: 'DE' });
  });

  it('refuses a purchase in a currency with no rate', () => {
    const result = applyEvent(emptyProfile('c-1', now), { ...common(1, 1), type: 'purchase' as const, orderId: 'o', amount: 1, currency: 'JPY' }, context);
    expect(result).toEqual({ ok: false, reason: 'no exchange rate for currency JPY' });
  });
});
