import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import type { EventsRequest } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, Schemas, TestSystem } from '../support/system.js';

describe('identity merge', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    const segments: Schemas['NewSegment'][] = [
      { id: 'shoe-browsers', name: 'Shoe browsers', rule: { field: 'pageView.count', op: 'gte', value: 2, where: { category: 'shoes' } } },
      { id: 'big-spenders', name: 'Big spenders', rule: { field: 'purchase.total', op: 'gte', value: 100 } },
      { id: 'berliners', name: 'Berliners', rule: { field: 'traits.city', op: 'eq', value: 'Berlin' } },
    ];
    for (const body of segments) expect((await system.api.POST('/v1/segments', { body })).response.status).toBe(201);
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  const sendEvents = async (body: EventsRequest) => expect((await system.api.POST('/v1/events', { body })).data).toMatchObject({ rejected: [] });
  const profileOf = (id: string) => system.api.GET('/v1/customers/{id}', { params: { path: { id } } });
  const segmentsOf = (id: string) => system.api.GET('/v1/customers/{id}/segments', { params: { path: { id } } });
  const historyOf = (id: string) => system.api.GET('/v1/customers/{id}/segment-history', { params: { path: { id } } });
  const changesOf = (id: string) => membership.json<MembershipEvent>().filter((e) => e.subject === id);
  const flips = (events: MembershipEvent[]) => events.map((e) => `${e.data.segmentId} ${e.type.replace('segflow.segment.', '')} ${e.data.reason}`).sort();
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const common = (customerId: string, m: number) => ({ eventId: `evt-${randomUUID()}`, customerId, occurredAt: minutesAgo(m) });
  const identify = (anonymousId: string, customerId: string): Schemas['IdentifyEvent'] => ({ ...common(customerId, 0), type: 'identify', anonymousId });

  /** An anonymous visitor who browsed shoes, bought for 60 and said Berlin; a known customer who bought for 50 and said Paris earlier. */
  const arrange = async () => {
    const [anonymousId, customerId] = [uniqueName('anon'), uniqueName('known')];
    await sendEvents({
      events: [
        { ...common(anonymousId, 30), type: 'page_view', url: '/shoes/trail', category: 'shoes' },
        { ...common(anonymousId, 29), type: 'page_view', url: '/shoes/road', category: 'shoes' },
        { ...common(anonymousId, 28), type: 'purchase', orderId: `o-${randomUUID()}`, amount: 60, currency: 'EUR', items: [{ sku: 'trail-1', category: 'shoes', quantity: 1, price: 60 }] },
        { ...common(anonymousId, 10), type: 'traits', traits: { city: 'Berlin' } },
        { ...common(customerId, 60), type: 'traits', traits: { city: 'Paris', firstName: 'Ada', email: 'ada@example.com' } },
        { ...common(customerId, 50), type: 'purchase', orderId: `o-${randomUUID()}`, amount: 50, currency: 'EUR' },
      ],
    });
    const entered = await eventually(async () => changesOf(anonymousId), (events) => events.length === 2, { what: 'the anonymous visitor in two segments' });
    expect(flips(entered)).toEqual(['berliners entered event', 'shoe-browsers entered event']);
    await eventually(() => profileOf(customerId), (r) => r.data?.version === 2, { what: 'the known customer' });
    expect(changesOf(customerId)).toEqual([]);
    return { anonymousId, customerId };
  };

  /** Waits for the merge to show: the anonymous id leaves both segments, the customer enters all three. */
  const expectMerged = async ({ anonymousId, customerId }: { anonymousId: string; customerId: string }, identifyId: string) => {
    const left = await eventually(async () => changesOf(anonymousId), (events) => events.length === 4, { what: 'the anonymous id leaving its segments' });
    expect(flips(left.slice(2))).toEqual(['berliners exited merged', 'shoe-browsers exited merged']);
    for (const exit of left.slice(2)) expect(exit.data).toMatchObject({ causationEventId: identifyId, profileVersion: null });
    // The anonymous id's history stays, its stays closed by the merge at the exits' time.
    const stays = (await historyOf(anonymousId)).data?.intervals.map((i) => ({ segmentId: i.segmentId, entered: i.entered.reason, exited: i.exited })) ?? [];
    expect(stays.sort((a, b) => a.segmentId.localeCompare(b.segmentId))).toEqual(
      left
        .slice(2)
        .sort((a, b) => a.data.segmentId.localeCompare(b.data.segmentId))
        .map((exit) => ({ segmentId: exit.data.segmentId, entered: 'event', exited: { at: exit.time, reason: 'merged', explanation: [] } })),
    );
    const joined = await eventually(async () => changesOf(customerId), (events) => events.length === 3, { what: 'the customer entering' });
    expect(flips(joined)).toEqual(['berliners entered merged', 'big-spenders entered merged', 'shoe-browsers entered merged']);
    for (const entry of joined) expect(entry.data).toMatchObject({ causationEventId: identifyId, profileVersion: 6 });

    const profile = (await profileOf(customerId)).data!;
    expect(profile).toMatchObject({
      customerId,
      version: 6,
      traits: { city: 'Berlin', firstName: 'Ada', email: 'ada@example.com' },
      purchase: { count: 2, total: 110, categories: { shoes: { count: 1, total: 60 } } },
      pageView: { count: 2, categories: { shoes: { count: 2 } } },
    });
    const gone = await profileOf(anonymousId);
    expect({ status: gone.response.status, detail: gone.error?.detail }).toEqual({ status: 404, detail: `customer ${anonymousId} was merged into ${customerId}` });
    await eventually(() => segmentsOf(anonymousId), (r) => r.response.status === 404, { what: 'the anonymous id forgotten by the segment service' });
    const segments = await eventually(() => segmentsOf(customerId), (r) => r.data?.segments.length === 3, { what: 'the customer in three segments' });
    expect(segments.data?.segments.map((s) => s.segmentId).sort()).toEqual(['berliners', 'big-spenders', 'shoe-browsers']);
  };

  it('merges an anonymous visitor identified over HTTP, counts its later events for the customer, and erases both', async () => {
    const ids = await arrange();
    const { anonymousId, customerId } = ids;
    const event = identify(anonymousId, customerId);
    await sendEvents(event);
    await expectMerged(ids, event.eventId);

    // Later events for the anonymous id, and the identify again (same eventId, or a new one), land on the customer or change nothing.
    await sendEvents({ events: [event, identify(anonymousId, customerId), purchase(anonymousId, { amount: 5 }), { ...common(anonymousId, 0), type: 'page_view', url: '/shoes/kids', category: 'shoes' }] });
    const later = await eventually(() => profileOf(customerId), (r) => r.data?.version === 8, { what: 'the later events on the customer' });
    expect(later.data).toMatchObject({ purchase: { count: 3, total: 115 }, pageView: { count: 3 } });
    expect((await profileOf(anonymousId)).response.status).toBe(404);
    expect(changesOf(anonymousId)).toHaveLength(4);
    expect(changesOf(customerId)).toHaveLength(3);

    // Every event sent so far processed first: an identify still in flight would link the ids again after the erasure.
    const sentAt = Date.now();
    await eventually(
      () => system.api.GET('/v1/ops/consumer-lag'),
      (r) => r.data?.groups.every((g) => g.lag === 0 && g.observedAt !== null && Date.parse(g.observedAt) > sentAt) === true,
      { what: 'every consumer group caught up' },
    );
    // Erasing the customer erases what was merged into it, and the alias: the anonymous id starts afresh.
    expect((await system.api.DELETE('/v1/customers/{id}', { params: { path: { id: customerId } } })).response.status).toBe(202);
    const exited = await eventually(async () => changesOf(customerId), (events) => events.length === 6, { what: 'the customer erased' });
    expect(flips(exited.slice(3))).toEqual(['berliners exited customer_erased', 'big-spenders exited customer_erased', 'shoe-browsers exited customer_erased']);
    const both = [anonymousId, customerId];
    const rows = await Promise.all([
      system.profileDb.selectFrom('profiles').select('customer_id').where('customer_id', 'in', both).execute(),
      system.profileDb.selectFrom('processed_events').select('event_id').where('customer_id', 'in', both).execute(),
      system.segmentDb.selectFrom('customer_profiles').select('customer_id').where('customer_id', 'in', both).execute(),
      system.segmentDb.selectFrom('memberships').select('customer_id').where('customer_id', 'in', both).execute(),
    ]);
    expect(rows.flat()).toEqual([]);
    // The merged id's history went with the customer it merged into.
    expect((await historyOf(anonymousId)).response.status).toBe(404);
    for (const id of both) expect((await profileOf(id)).response.status).toBe(404);
    await sendEvents(purchase(anonymousId, { amount: 1 }));
    const fresh = await eventually(() => profileOf(anonymousId), (r) => r.response.status === 200, { what: 'the anonymous id as a new customer' });
    expect(fresh.data).toMatchObject({ customerId: anonymousId, version: 1, purchase: { count: 1, total: 1 }, pageView: { count: 0 } });
    expect((await profileOf(customerId)).response.status).toBe(404);
  });

  it('merges an anonymous visitor identified on events.identify.v1', async () => {
    const ids = await arrange();
    const event = identify(ids.anonymousId, ids.customerId);
    await system.bus.publish(system.topics.identify, [{ key: ids.customerId, value: JSON.stringify(event) }]);
    await expectMerged(ids, event.eventId);
    // A second customer claiming the same anonymous id merges nothing: the first identify wins.
    const other = uniqueName('other');
    await sendEvents({ events: [purchase(other, { amount: 1 }), identify(ids.anonymousId, other)] });
    await eventually(() => profileOf(other), (r) => r.data?.version === 1, { what: 'the other customer' });
    await sendEvents(purchase(ids.anonymousId, { amount: 2 }));
    await eventually(() => profileOf(ids.customerId), (r) => r.data?.purchase.count === 3, { what: 'the anonymous id still the first customer’s' });
    expect((await profileOf(other)).data).toMatchObject({ version: 1, purchase: { count: 1 } });
  });
});
