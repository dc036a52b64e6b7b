import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

const DAY = 24 * 3_600_000;

describe('segment memberships as time passes', () => {
  let system: TestSystem;
  let second: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem();
    second = await startSystem({ services: ['segment'], shareWith: system }); // a second segment-service instance
    membership = await collect(system.bus, system.topics.membership);
    const created = await system.api.POST('/v1/segments', {
      body: { id: 'recent-buyers', name: 'Purchased in the last 30 days', rule: { field: 'purchase.lastAt', op: 'withinLast', value: '30d' } },
    });
    expect(created.response.status).toBe(201);
  });

  afterAll(async () => {
    await membership?.stop();
    await second?.stop();
    await system?.stop();
  });

  const eventsFor = (customerId: string) => membership.json<MembershipEvent>().filter((e) => e.subject === customerId);

  it('exits a customer when the last purchase leaves the 30-day window, within 5 s, with reason time', async () => {
    const customerId = uniqueName('c');
    const occurredAt = Date.now() - 30 * DAY + 10_000;
    await system.api.POST('/v1/events', { body: purchase(customerId, { occurredAt: new Date(occurredAt).toISOString() }) });

    const [entered, exited] = await eventually(async () => eventsFor(customerId), (events) => events.length === 2, {
      what: 'entered, then exited on time',
      timeoutMs: 30_000,
    });
    expect(entered).toMatchObject({ type: 'segflow.segment.entered', data: { reason: 'event' } });
    expect(exited).toMatchObject({ id: `recent-buyers:${customerId}:2`, type: 'segflow.segment.exited', data: { reason: 'time' } });
    const flipAt = occurredAt + 30 * DAY;
    expect(Date.parse(exited!.data.eventTime!)).toBe(flipAt);
    const delay = Date.parse(exited!.time) - flipAt;
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(5_000);
    expect(exited!.data.explanation).toMatchObject([{ field: 'purchase.lastAt', op: 'withinLast', value: '30d' }]);
    const segments = await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: customerId } } });
    expect(segments.data?.segments).toEqual([]);
  });

  it('announces each timed flip once with two segment-service instances', async () => {
    const customers = Array.from({ length: 20 }, () => uniqueName('pair'));
    const base = Date.now() - 30 * DAY;
    await system.api.POST('/v1/events', {
      body: { events: customers.map((c, i) => purchase(c, { occurredAt: new Date(base + 4_000 + i * 300).toISOString() })) },
    });
    await eventually(
      async () => membership.json<MembershipEvent>().filter((e) => customers.includes(e.subject) && e.type === 'segflow.segment.exited'),
      (exits) => exits.length >= customers.length,
      { what: 'every customer exited', timeoutMs: 30_000 },
    );
    // both instances had the chance to act on every due customer; give a late duplicate time to show up
    await new Promise((r) => setTimeout(r, 2_000));
    const exits = membership.json<MembershipEvent>().filter((e) => customers.includes(e.subject) && e.type === 'segflow.segment.exited');
    expect(exits).toHaveLength(customers.length);
    expect(new Set(exits.map((e) => e.id)).size).toBe(customers.length);
    expect(exits.every((e) => e.data.reason === 'time')).toBe(true);
  });
});

describe('a lead score decaying below a threshold', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    const model = await system.api.PUT('/v1/scoring-model', { body: { halfLifeDays: 30, rules: [{ id: 'buy', eventType: 'purchase', points: 10 }] } });
    expect(model.response.status).toBe(200);
    await system.api.POST('/v1/segments', { body: { id: 'hot-leads', name: 'Hot leads', rule: { field: 'leadScore', op: 'gte', value: 5 } } });
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  it('exits on time when the decayed score crosses the threshold', async () => {
    const customerId = uniqueName('lead');
    // 10 points, half-life 30 days: the score falls to 5 one half-life after the purchase
    const occurredAt = Date.now() - 30 * DAY + 8_000;
    await system.api.POST('/v1/events', { body: purchase(customerId, { occurredAt: new Date(occurredAt).toISOString() }) });
    const [entered, exited] = await eventually(
      async () => membership.json<MembershipEvent>().filter((e) => e.subject === customerId),
      (events) => events.length === 2,
      { what: 'entered, then exited as the score decayed', timeoutMs: 30_000 },
    );
    expect(entered).toMatchObject({ type: 'segflow.segment.entered', data: { reason: 'event' } });
    expect(exited).toMatchObject({ type: 'segflow.segment.exited', data: { reason: 'time', explanation: [{ field: 'leadScore', op: 'gte', value: 5 }] } });
    const flipAt = occurredAt + 30 * DAY;
    expect(Math.abs(Date.parse(exited!.data.eventTime!) - flipAt)).toBeLessThanOrEqual(1);
    expect(Date.parse(exited!.time) - flipAt).toBeLessThan(5_000);
    expect((exited!.data.explanation[0]!.actual as number) < 5).toBe(true);
  });
});
