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

describe('identity merge in a batch', () => {
  const at = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
  const view = (id: string, customerId: string, minutes = 5): CustomerEvent => ({ eventId: id, type: 'page_view', customerId, occurredAt: at(minutes), receivedAt: at(minutes), url: '/x' });
  const identify = (id: string, anonymousId: string, customerId: string, minutes = 1): CustomerEvent => ({
    eventId: id,
    type: 'identify',
    customerId,
    anonymousId,
    occurredAt: at(minutes),
    receivedAt: at(minutes),
  });
  const ctx = { now, toBase, scoring };

  /** The profile service across batches: stored profiles, stored aliases and the eventId claim. */
  const store = () => {
    const profiles = new Map<string, ProfileState>();
    const aliases = new Map<string, string>();
    const claim = handlerDedupe(new Set());
    return {
      profiles,
      aliases,
      apply: (batch: CustomerEvent[]) => {
        const result = applyEvents(profiles, claim(batch), ctx, aliases);
        for (const state of result.changed) profiles.set(state.customerId, state);
        for (const alias of result.aliases) {
          profiles.delete(alias.customerId);
          aliases.set(alias.customerId, alias.mergedInto);
        }
        return result;
      },
    };
  };

  it('merges the anonymous profile into the customer, announces both, and sends later events of the anonymous id to the customer', () => {
    const s = store();
    s.apply([view('e1', 'anon'), view('e2', 'anon'), view('e3', 'k')]);
    const merge = s.apply([identify('i1', 'anon', 'k')]);
    expect(merge.aliases).toEqual([{ customerId: 'anon', mergedInto: 'k', version: 2 }]);
    expect(merge.merges).toEqual([{ kind: 'merged', customerId: 'anon', into: 'k', mergedAt: now.toISOString(), causationEventId: 'i1', eventTime: at(1) }]);
    expect(merge.changes).toMatchObject([{ kind: 'updated', customerId: 'k', version: 3, reason: 'merged', causationEventId: 'i1', profile: { pageView: { count: 3 } } }]);
    const later = s.apply([view('e4', 'anon')]);
    expect(later.changes).toMatchObject([{ customerId: 'k', version: 4, causationEventId: 'e4', profile: { pageView: { count: 4 } } }]);
    expect(later.changes[0]!.reason).toBeUndefined();
    expect([...s.profiles.keys()]).toEqual(['k']);
  });

  it('changes nothing for an identify repeated, by eventId or with a new one, in the batch or a later one', () => {
    const s = store();
    s.apply([view('e1', 'anon'), view('e2', 'k')]);
    const first = s.apply([identify('i1', 'anon', 'k'), identify('i1', 'anon', 'k'), identify('i2', 'anon', 'k')]);
    expect(first.aliases).toHaveLength(1);
    const before = structuredClone(s.profiles);
    for (const again of [[identify('i1', 'anon', 'k')], [identify('i3', 'anon', 'k')], [identify('i4', 'k', 'anon')]]) {
      expect(s.apply(again)).toEqual({ changed: [], changes: [], aliases: [], merges: [], conflicts: 0 });
    }
    expect(s.profiles).toEqual(before);
  });

  it('keeps an anonymous id with the first customer it was identified to', () => {
    const s = store();
    s.apply([view('e1', 'anon'), view('e2', 'k1'), view('e3', 'k2')]);
    s.apply([identify('i1', 'anon', 'k1')]);
    const second = s.apply([identify('i2', 'anon', 'k2'), view('e4', 'anon')]);
    expect(second.conflicts).toBe(1);
    expect(second.aliases).toEqual([]);
    expect(s.profiles.get('k1')?.pageView.count).toBe(3);
    expect(s.profiles.get('k2')?.pageView.count).toBe(1);
  });

  it('records an alias only for an anonymous id nothing is known of yet', () => {
    const s = store();
    const result = s.apply([identify('i1', 'anon', 'k')]);
    expect(result).toEqual({ changed: [], changes: [], aliases: [{ customerId: 'anon', mergedInto: 'k', version: 0 }], merges: [], conflicts: 0 });
    expect(s.apply([view('e1', 'anon')]).changes).toMatchObject([{ customerId: 'k', version: 1 }]);
  });

  it('folds a chain a → b → c into c in either order', () => {
    for (const order of [
      [identify('i1', 'a', 'b'), identify('i2', 'b', 'c')],
      [identify('i2', 'b', 'c'), identify('i1', 'a', 'b')],
    ]) {
      const s = store();
      s.apply([view('e1', 'a'), view('e2', 'b'), view('e3', 'c')]);
      for (const event of order) s.apply([event]);
      s.apply([view('e4', 'a')]);
      expect([...s.profiles.keys()]).toEqual(['c']);
      expect(s.profiles.get('c')).toMatchObject({ version: 4, pageView: { count: 4 } });
    }
  });

  it('gives every customer the profile of all events whose id leads to it, however events and identifies are split into batches', () => {
    const ids = ['a', 'b', 'c', 'k'] as const;
    const step = fc.oneof(
      { weight: 3, arbitrary: event },
      { weight: 1, arbitrary: fc.record({ anonymousId: fc.constantFrom(...ids), customerId: fc.constantFrom(...ids), minutes: fc.nat(60 * 24) }) },
    );
    const histories = fc.array(step, { minLength: 1, maxLength: 40 }).map((steps) =>
      steps.flatMap((s, i): CustomerEvent[] => {
        if (typeof s === 'function') return [{ ...s(`e-${i}`), customerId: ids[i % ids.length]! }];
        return s.anonymousId === s.customerId ? [] : [identify(`i-${i}`, s.anonymousId, s.customerId, s.minutes)];
      }),
    );
    fc.assert(
      fc.property(histories, fc.array(fc.nat(40), { maxLength: 4 }), (events, cuts) => {
        const s = store();
        const bounds = [0, ...[...cuts].sort((x, y) => x - y), events.length];
        for (let i = 1; i < bounds.length; i += 1) s.apply(events.slice(bounds[i - 1], bounds[i]));
        // the naive reading: identifies in order, the first one for an anonymous id wins; every event counts where its id leads
        const links = new Map<string, string>();
        const lead = (id: string): string => (links.has(id) ? lead(links.get(id)!) : id);
        for (const e of events) if (e.type === 'identify' && !links.has(e.anonymousId) && lead(e.anonymousId) !== lead(e.customerId)) links.set(e.anonymousId, lead(e.customerId));
        const expected = new Map<string, CustomerEvent[]>();
        for (const e of events) if (e.type !== 'identify') expected.set(lead(e.customerId), [...(expected.get(lead(e.customerId)) ?? []), e]);
        expect(new Set(s.profiles.keys())).toEqual(new Set(expected.keys()));
        for (const [id, list] of expected) {
          const alone = applyEvents(new Map(), list.map((e) => ({ ...e, customerId: id })), ctx).changed[0]!;
          const merged = s.profiles.get(id)!;
          expect({ ...merged, leadScore: null }).toEqual({ ...alone, leadScore: null });
          expect(leadScore(merged, now)).toBeCloseTo(leadScore(alone, now), 9);
        }
      }),
      { numRuns: 300 },
    );
  });
});
