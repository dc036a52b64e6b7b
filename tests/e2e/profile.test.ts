import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LifecycleThresholds } from '@segflow/contracts';
import type { MembershipEvent } from '@segflow/contracts';
import { readDlqHeaders } from '@segflow/kafka';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import type { EventsRequest } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, Schemas, TestSystem } from '../support/system.js';

describe('customer profiles: erasure, currencies, scoring model', () => {
  let system: TestSystem;
  let membership: Collector;
  let dlq: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    dlq = await collect(system.bus, system.topics.dlq);
    await system.api.POST('/v1/segments', { body: { id: 'buyers', name: 'Buyers', rule: { field: 'purchase.count', op: 'gte', value: 1 } } });
  });

  afterAll(async () => {
    await membership?.stop();
    await dlq?.stop();
    await system?.stop();
  });

  const sendEvents = (body: EventsRequest) => system.api.POST('/v1/events', { body });
  const profileOf = (id: string) => system.api.GET('/v1/customers/{id}', { params: { path: { id } } });
  const segmentsOf = (id: string) => system.api.GET('/v1/customers/{id}/segments', { params: { path: { id } } });
  const erase = (id: string) => system.api.DELETE('/v1/customers/{id}', { params: { path: { id } } });
  // SCAN, not KEYS: over a shared Redis holding many keys, KEYS outlasts the client's command timeout.
  const redisKeysOf = async (customerId: string) => {
    const keys = new Set<string>();
    for await (const batch of system.redis.scanStream({ match: `*{${customerId}}*`, count: 10_000 })) for (const key of batch as string[]) keys.add(key);
    return [...keys];
  };

  it('erases every trace of a customer and exits it from its segments', async () => {
    const customerId = uniqueName('gdpr');
    await sendEvents({
      events: [
        { eventId: `evt-${randomUUID()}`, type: 'traits', customerId, occurredAt: new Date().toISOString(), traits: { email: 'erase.me@example.com', firstName: 'Erin' } },
        purchase(customerId),
      ],
    });
    await eventually(async () => membership.json<MembershipEvent>().filter((e) => e.subject === customerId), (events) => events.length === 1, { what: 'entered' });
    expect((await segmentsOf(customerId)).response.status).toBe(200); // fills Redis
    expect(await redisKeysOf(customerId)).toHaveLength(1);

    const erased = await erase(customerId);
    expect({ status: erased.response.status, body: erased.data }).toMatchObject({ status: 202, body: { customerId, status: 'erased' } });

    const exited = await eventually(
      async () => membership.json<MembershipEvent>().filter((e) => e.subject === customerId && e.type === 'segflow.segment.exited'),
      (events) => events.length === 1,
      { what: 'exit with reason customer_erased' },
    );
    expect(exited[0]).toMatchObject({ id: `buyers:${customerId}:2`, data: { reason: 'customer_erased', segmentId: 'buyers' } });

    expect((await profileOf(customerId)).response.status).toBe(404);
    await eventually(() => segmentsOf(customerId), (r) => r.response.status === 404, { what: 'segments gone' });
    const rows = await Promise.all([
      system.profileDb.selectFrom('profiles').select('customer_id').where('customer_id', '=', customerId).execute(),
      system.profileDb.selectFrom('processed_events').select('customer_id').where('customer_id', '=', customerId).execute(),
      system.segmentDb.selectFrom('customer_profiles').select('customer_id').where('customer_id', '=', customerId).execute(),
      system.segmentDb.selectFrom('memberships').select('customer_id').where('customer_id', '=', customerId).execute(),
    ]);
    expect(rows.flat()).toEqual([]);
    expect(await redisKeysOf(customerId)).toEqual([]);
    expect((await erase(customerId)).response.status).toBe(404);

    // The same id seen again starts a new history whose event ids never repeat the old ones.
    await sendEvents({ events: [purchase(customerId)] });
    const reentered = await eventually(
      async () => membership.json<MembershipEvent>().filter((e) => e.subject === customerId),
      (events) => events.length === 3,
      { what: 'entered again after erasure' },
    );
    expect(reentered[2]).toMatchObject({ type: 'segflow.segment.entered', data: { reason: 'event' } });
    expect(new Set(reentered.map((e) => e.id)).size).toBe(3);
    expect(BigInt(reentered[2]!.id.split(':').at(-1)!)).toBeGreaterThan(2n);
  });

  it('sends a purchase in a currency with no rate to the DLQ with that reason', async () => {
    const customerId = uniqueName('yen');
    const event = purchase(customerId, { currency: 'JPY', amount: 1000 });
    expect((await sendEvents(event)).response.status).toBe(202);
    const [message] = await eventually(async () => dlq.messages.filter((m) => m.key === customerId), (m) => m.length === 1, { what: 'DLQ message' });
    expect(readDlqHeaders(message!)).toMatchObject({ reason: 'unknown_currency', originTopic: system.topics.customerEvents });
    expect(JSON.parse(message!.value!.toString())).toMatchObject({ eventId: event.eventId, currency: 'JPY' });
    expect((await profileOf(customerId)).response.status).toBe(404);
  });

  it('converts a purchase in a configured currency to the base currency', async () => {
    const customerId = uniqueName('usd');
    await sendEvents(purchase(customerId, { currency: 'USD', amount: 100 }));
    const profile = await eventually(() => profileOf(customerId), (r) => r.response.status === 200, { what: 'profile' });
    expect(profile.data?.purchase.total).toBe(90); // the test system's rate: 1 USD = 0.9 EUR
  });

  it('builds the documented profile from a scripted customer history', async () => {
    const model: Schemas['ScoringModelUpdate'] = {
      halfLifeDays: 30,
      rules: [
        { id: 'buy', eventType: 'purchase', points: 10 },
        { id: 'docs', eventType: 'page_view', filters: { urlPrefix: '/docs' }, points: 2, dailyCap: 4 },
      ],
    };
    expect((await system.api.PUT('/v1/scoring-model', { body: model })).response.status).toBe(200);
    const customerId = uniqueName('story');
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const common = (m: number) => ({ eventId: `evt-${randomUUID()}`, customerId, occurredAt: minutesAgo(m) });
    const sent = await sendEvents({
      events: [
        { ...common(60), type: 'traits', traits: { email: 'ada@example.com', birthDate: '1990-06-15', country: 'DE', interests: ['running'] } },
        { ...common(50), type: 'traits', traits: { country: 'FR' } },
        { ...common(55), type: 'traits', traits: { country: 'IT' } }, // older than the FR one: loses
        ...[40, 39, 38].map((m) => ({ ...common(m), type: 'page_view' as const, url: '/docs/getting-started', category: 'docs' })),
        { ...common(30), type: 'email_open', campaignId: 'autumn' },
        { ...common(20), type: 'purchase', orderId: 'o-1', amount: 100, currency: 'EUR', items: [{ sku: 'run-1', category: 'shoes', quantity: 1, price: 100 }] },
        { ...common(10), type: 'purchase', orderId: 'o-2', amount: 50, currency: 'USD', items: [{ sku: 'bk-1', category: 'books', quantity: 1, price: 50 }] },
      ],
    });
    expect(sent.data).toMatchObject({ accepted: 9, rejected: [] });
    await eventually(() => profileOf(customerId), (r) => r.data?.version === 9, { what: 'all nine events applied' });
    expect((await system.api.POST('/v1/ops/rfm/recompute')).response.status).toBe(200);

    const view = (await profileOf(customerId)).data!;
    const today = new Date();
    const expectedAge = today.getUTCFullYear() - 1990 - (today.getUTCMonth() < 5 || (today.getUTCMonth() === 5 && today.getUTCDate() < 15) ? 1 : 0);
    expect(view).toMatchObject({
      customerId,
      version: 9,
      traits: { country: 'FR', birthDate: '1990-06-15', interests: ['running'] },
      age: expectedAge,
      purchase: { count: 2, total: 145, avgOrderValue: 72.5, categories: { shoes: { count: 1, total: 100 }, books: { count: 1, total: 45 } } },
      pageView: { count: 3, categories: { docs: { count: 3 } } },
      emailOpen: { count: 1, campaigns: { autumn: { count: 1 } } },
      lifecycleStage: 'retention',
    });
    // 10 + 10 for the purchases, the three /docs views capped at 4; all within the hour, so barely decayed
    expect(view.leadScore.value).toBeGreaterThan(23.9);
    expect(view.leadScore.value).toBeLessThan(24);
    expect(view.rfm).toMatchObject({ purchases: 2, spend: 145, recencyDays: 0 });
  });

  it('versions the scoring model and rejects a rule naming the bad field', async () => {
    const before = (await system.api.GET('/v1/scoring-model')).data!.version;
    const bad = await system.api.PUT('/v1/scoring-model', { body: { rules: [{ id: 'docs', eventType: 'email_open', filters: { urlPrefix: '/docs' }, points: 5 }] } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(bad.error?.errors).toEqual([{ path: 'body.rules[0].filters.urlPrefix', message: 'filter "urlPrefix" does not apply to email_open events' }]);
    const model: Schemas['ScoringModelUpdate'] = { halfLifeDays: 14, rules: [{ id: 'docs', eventType: 'page_view', filters: { urlPrefix: '/docs' }, points: 5, dailyCap: 20 }] };
    const saved = await system.api.PUT('/v1/scoring-model', { body: model });
    expect({ status: saved.response.status, body: saved.data }).toMatchObject({ status: 200, body: { version: before + 1, ...model } });
    expect((await system.api.GET('/v1/scoring-model')).data).toMatchObject({ version: before + 1 });
  });
});

describe('lifecycle thresholds of a deployment (SEGFLOW_LIFECYCLE)', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem({ lifecycle: LifecycleThresholds.parse({ retention: { minPurchases: 3 } }) });
    membership = await collect(system.bus, system.topics.membership);
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  it('derives the stage with them in the profile view and in segment rules alike', async () => {
    await system.api.POST('/v1/segments', { body: { id: 'deciding', name: 'Deciding', rule: { field: 'lifecycleStage', op: 'eq', value: 'decision' } } });
    const customerId = uniqueName('stage');
    await system.api.POST('/v1/events', { body: { events: [purchase(customerId), purchase(customerId)] } });

    // Two recent purchases are `retention` by default; with three required, still `decision`.
    const entered = await eventually(async () => membership.json<MembershipEvent>().filter((e) => e.subject === customerId), (events) => events.length === 1, { what: 'entered deciding' });
    expect(entered[0]).toMatchObject({ type: 'segflow.segment.entered', data: { segmentId: 'deciding' } });
    const profileOf = (id: string) => system.api.GET('/v1/customers/{id}', { params: { path: { id } } });
    const profile = await eventually(() => profileOf(customerId), (r) => r.data?.purchase.count === 2, { what: 'both purchases applied' });
    expect(profile.data?.lifecycleStage).toBe('decision');

    await system.api.POST('/v1/events', { body: purchase(customerId) });
    const exited = await eventually(async () => membership.json<MembershipEvent>().filter((e) => e.subject === customerId), (events) => events.length === 2, { what: 'left deciding' });
    expect(exited[1]).toMatchObject({ type: 'segflow.segment.exited', data: { segmentId: 'deciding', reason: 'event' } });
    expect((await profileOf(customerId)).data?.lifecycleStage).toBe('retention');
  });
});
