import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent, ScoringModel } from '@segflow/contracts';
import { currencyConverter, leadScore, windowCount } from '@segflow/profile-model';
import type { ProfileState } from '@segflow/profile-model';
import { applyEvents } from './apply-events.js';
import { triageCustomerEvent } from './triage.js';

const now = new Date('2026-11-23T10:00:00Z');
const toBase = currencyConverter('EUR', { USD: 0.5 });
const purchase = (id: string, customerId: string, amount: number, currency = 'EUR', occurredAt = '2026-11-23T09:00:00.000Z'): CustomerEvent => ({
  eventId: id,
  type: 'purchase',
  customerId,
  occurredAt,
  receivedAt: '2026-11-23T09:00:01.000Z',
  orderId: `o-${id}`,
  amount,
  currency,
});
const scoring: ScoringModel = {
  version: 1,
  halfLifeDays: 10,
  updatedAt: '2026-01-01T00:00:00.000Z',
  rules: [
    { id: 'buy', eventType: 'purchase', filters: {}, points: 10, dailyCap: 15 },
    { id: 'view', eventType: 'page_view', filters: {}, points: 1 },
  ],
};

/** What the profile handler does across batches: `processed_events` claims each eventId once. */
const handlerDedupe = (processed: Set<string>) => (batch: CustomerEvent[]) =>
  batch.filter((e) => {
    if (processed.has(e.eventId)) return false;
    processed.add(e.eventId);
    return true;
  });

const event: fc.Arbitrary<(id: string) => CustomerEvent> = fc
  .record({
    customer: fc.constantFrom('a', 'b', 'c'),
    minutes: fc.integer({ min: 0, max: 60 * 24 * 40 }),
    view: fc.boolean(),
    amount: fc.integer({ min: 0, max: 10_000 }),
  })
  .map(({ customer, minutes, view, amount }) => (id: string) => {
    const occurredAt = new Date(now.getTime() - minutes * 60_000).toISOString();
    return view
      ? { eventId: id, type: 'page_view', customerId: customer, occurredAt, receivedAt: occurredAt, url: '/x' }
      : purchase(id, customer, amount / 100, 'EUR', occurredAt);
  });
const batches = fc.array(event, { minLength: 1, maxLength: 30 }).map((makers) => makers.map((make, i) => make(`e-${i}`)));

const byCustomer = (states: ProfileState[]) => new Map(states.map((s) => [s.customerId, s]));

describe('applying a batch of events', () => {
  it('publishes one change per customer with the final state and the last cause', () => {
    const { changed, changes } = applyEvents(new Map(), [purchase('e1', 'a', 10), purchase('e2', 'b', 4, 'USD'), purchase('e3', 'a', 5)], { now, toBase });
    expect(changed.map((s) => [s.customerId, s.purchase.count, s.purchase.total])).toEqual([
      ['a', 2, 15],
      ['b', 1, 2],
    ]);
    expect(changes.map((c) => [c.customerId, c.version, c.causationEventId])).toEqual([
      ['a', 2, 'e3'],
      ['b', 1, 'e2'],
    ]);
    expect(changes[0]!.profile).toBe(changed[0]);
  });

  it('applies the scoring model it is given', () => {
    const { changed } = applyEvents(new Map(), [purchase('e1', 'a', 10), purchase('e2', 'a', 10)], { now, toBase, scoring });
    expect(leadScore(changed[0]!, new Date('2026-11-23T09:00:00.000Z'))).toBeCloseTo(15, 10); // 2 × 10 capped at 15
  });

  it('changes nothing when any event is applied twice, in the same batch or a later one', () => {
    fc.assert(
      fc.property(
        batches.chain((events) => fc.tuple(fc.constant(events), fc.subarray(events), fc.subarray(events))),
        ([events, again, later]) => {
          const once = applyEvents(new Map(), events, { now, toBase, scoring });
          // duplicates inside the batch
          const twice = applyEvents(new Map(), [...events, ...again], { now, toBase, scoring });
          expect(twice).toEqual(once);
          // redelivered in a later batch, through the handler's eventId claim
          const claim = handlerDedupe(new Set());
          const first = applyEvents(new Map(), claim(events), { now, toBase, scoring });
          const second = applyEvents(byCustomer(first.changed), claim(later), { now, toBase, scoring });
          expect(second.changed).toEqual([]);
          expect(second.changes).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same profiles however the events are split into batches', () => {
    fc.assert(
      fc.property(batches, fc.nat(30), (events, cut) => {
        const whole = byCustomer(applyEvents(new Map(), events, { now, toBase }).changed);
        const first = applyEvents(new Map(), events.slice(0, cut), { now, toBase });
        const rest = applyEvents(byCustomer(first.changed), events.slice(cut), { now, toBase });
        const split = new Map([...byCustomer(first.changed), ...byCustomer(rest.changed)]);
        expect(split).toEqual(whole);
        for (const state of split.values()) expect(windowCount(state, 'purchase', { ms: 3_600_000 }, now)).toBe(windowCount(whole.get(state.customerId)!, 'purchase', { ms: 3_600_000 }, now));
      }),
      { numRuns: 100 },
    );
  });
});

describe('triage of customer events', () => {
  const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
  it('accepts a valid event', () => {
    expect(triageCustomerEvent(bytes(purchase('e1', 'a', 1)), toBase).ok).toBe(true);
  });
  it('sends a purchase in a currency without a rate to the DLQ', () => {
    expect(triageCustomerEvent(bytes(purchase('e1', 'a', 1, 'JPY')), toBase)).toMatchObject({ ok: false, reason: 'unknown_currency' });
  });
  it('sends a malformed message to the DLQ', () => {
    expect(triageCustomerEvent(Buffer.from('nope'), toBase)).toMatchObject({ ok: false, reason: 'invalid_event' });
    expect(triageCustomerEvent(bytes({ type: 'purchase' }), toBase)).toMatchObject({ ok: false, reason: 'invalid_event' });
  });
});
