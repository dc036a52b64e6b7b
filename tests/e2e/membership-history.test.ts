import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase, traitsEvent } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

const HOUR = 3_600_000;

const tier = (customerId: string, value: string, occurredAt: Date | number) => traitsEvent(customerId, { custom: { tier: value } }, occurredAt);

describe('membership history', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    for (const body of [
      { id: 'gold-tier', name: 'Gold tier', rule: { field: 'traits.custom.tier', op: 'eq', value: 'gold' } },
      { id: 'two-purchases', name: 'Two purchases', rule: { field: 'purchase.count', op: 'gte', value: 2 } },
    ] as const) {
      expect((await system.api.POST('/v1/segments', { body })).response.status).toBe(201);
    }
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  const eventsFor = (customerId: string, segmentId: string) => membership.json<MembershipEvent>().filter((e) => e.subject === customerId && e.data.segmentId === segmentId);
  /** Sends the tiers one request at a time (one change each) and waits for the membership event each one causes. */
  const walkTiers = async (customerId: string, tiers: string[]) => {
    const start = Date.now() - tiers.length * 1000;
    let expected = 0;
    let member = false;
    for (const [i, value] of tiers.entries()) {
      expect((await system.api.POST('/v1/events', { body: tier(customerId, value, new Date(start + i * 1000)) })).response.status).toBe(202);
      if ((value === 'gold') !== member) {
        member = !member;
        expected += 1;
        await eventually(async () => eventsFor(customerId, 'gold-tier'), (events) => events.length === expected, { what: `membership change ${expected}` });
      }
    }
    return eventsFor(customerId, 'gold-tier');
  };
  const segmentsAt = (id: string, at: string) => system.api.GET('/v1/customers/{id}/segments', { params: { path: { id }, query: { at } } });
  const history = (id: string, query: { cursor?: string; limit?: number } = {}) =>
    system.api.GET('/v1/customers/{id}/segment-history', { params: { path: { id }, query } });

  it('keeps every enter and exit as an interval with its reasons and explanation, newest first, a page at a time', async () => {
    const customerId = uniqueName('hist');
    const events = await walkTiers(customerId, ['gold', 'silver', 'gold', 'silver', 'gold']);
    expect(events.map((e) => e.type)).toEqual(['entered', 'exited', 'entered', 'exited', 'entered'].map((t) => `segflow.segment.${t}`));

    const first = await history(customerId, { limit: 2 });
    expect(first.response.status).toBe(200);
    const rest = await history(customerId, { cursor: first.data!.nextCursor!, limit: 10 });
    const intervals = [...first.data!.intervals, ...rest.data!.intervals];
    expect(rest.data!.nextCursor).toBeNull();
    expect(intervals.map((i) => [i.entered.at, i.exited?.at ?? null])).toEqual([
      [events[4]!.time, null],
      [events[2]!.time, events[3]!.time],
      [events[0]!.time, events[1]!.time],
    ]);
    expect(intervals[1]).toEqual({
      segmentId: 'gold-tier',
      segmentName: 'Gold tier',
      group: null,
      entered: { at: events[2]!.time, reason: 'event', explanation: events[2]!.data.explanation },
      exited: { at: events[3]!.time, reason: 'event', explanation: events[3]!.data.explanation },
    });
    expect(intervals[1]!.exited!.explanation).toEqual([expect.objectContaining({ field: 'traits.custom.tier', actual: 'silver', was: 'gold' })]);
  });

  it('answers the segments a customer was in at an instant', async () => {
    const customerId = uniqueName('at');
    await system.api.POST('/v1/events', { body: { events: [purchase(customerId), purchase(customerId)] } });
    const [entered] = await eventually(async () => eventsFor(customerId, 'two-purchases'), (e) => e.length === 1, { what: 'two-purchases entry' });
    const [inGold, outOfGold] = await walkTiers(customerId, ['gold', 'bronze']);

    const between = new Date((Date.parse(inGold!.time) + Date.parse(outOfGold!.time)) / 2).toISOString();
    const atBetween = await segmentsAt(customerId, between);
    expect(atBetween.response.status).toBe(200);
    expect(atBetween.data).toEqual({
      customerId,
      segments: [
        { segmentId: 'gold-tier', name: 'Gold tier', enteredAt: inGold!.time, group: null },
        { segmentId: 'two-purchases', name: 'Two purchases', enteredAt: entered!.time, group: null },
      ],
      asOf: between,
    });
    expect((await segmentsAt(customerId, outOfGold!.time)).data!.segments.map((s) => s.segmentId)).toEqual(['two-purchases']);
    expect((await segmentsAt(customerId, new Date(Date.parse(entered!.time) - 1).toISOString())).data!.segments).toEqual([]);
    // an offset is an instant like any other
    const plusTwo = new Date(Date.parse(between) + 2 * HOUR).toISOString().replace('Z', '+02:00');
    expect((await segmentsAt(customerId, plusTwo)).data!.segments.map((s) => s.segmentId)).toEqual(['gold-tier', 'two-purchases']);

    const bad = await segmentsAt(customerId, 'yesterday');
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.error).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'querystring.at' })] });
    expect((await segmentsAt(uniqueName('nobody'), between)).response.status).toBe(404);
    expect((await history(uniqueName('nobody'))).response.status).toBe(404);
    expect((await history(customerId, { cursor: 'not-a-cursor' })).response.status).toBe(400);
  });

  it('charts a segment size per hour from its counters, matching its members, and exports it as a gauge', async () => {
    const customers = Array.from({ length: 4 }, () => uniqueName('size'));
    const before = await system.api.GET('/v1/segments/{id}', { params: { path: { id: 'two-purchases' } } });
    await system.api.POST('/v1/events', { body: { events: customers.flatMap((c) => [purchase(c), purchase(c)]) } });
    await eventually(async () => customers.filter((c) => eventsFor(c, 'two-purchases').length === 1), (entered) => entered.length === 4, { what: 'four entries' });
    const size = before.data!.size + 4;
    const now = Date.now();
    const chart = await system.api.GET('/v1/segments/{id}/size-history', {
      params: { path: { id: 'two-purchases' }, query: { from: new Date(now - 3 * HOUR).toISOString(), to: new Date(now).toISOString(), step: '1h' } },
    });
    expect(chart.response.status).toBe(200);
    const points = chart.data!.points;
    expect(points).toHaveLength(4); // the three hours before and the one in progress
    expect(chart.data!.from).toBe(new Date(Math.floor((now - 3 * HOUR) / HOUR) * HOUR).toISOString());
    expect(points.at(-1)!.size).toBe(size);
    expect((await system.api.GET('/v1/segments/{id}', { params: { path: { id: 'two-purchases' } } })).data!.size).toBe(size);
    const entered = membership.json<MembershipEvent>().filter((e) => e.data.segmentId === 'two-purchases' && e.type === 'segflow.segment.entered');
    expect(points.reduce((sum, p) => sum + p.entered - p.exited, 0)).toBe(entered.length);
    for (const [i, p] of points.entries()) expect(p.size).toBe((i === 0 ? 0 : points[i - 1]!.size) + p.entered - p.exited);

    const daily = await system.api.GET('/v1/segments/{id}/size-history', {
      params: { path: { id: 'two-purchases' }, query: { from: new Date(now - 30 * 24 * HOUR).toISOString(), to: new Date(now).toISOString() } },
    });
    expect(daily.data!.step).toBe('1d');
    expect(daily.data!.points.at(-1)!.size).toBe(size);

    const metrics = await system.api.GET('/metrics', { parseAs: 'text' });
    expect(metrics.data).toContain(`segflow_segment_size{segment="two-purchases"} ${size}`);
  });

  it('refuses a size history it cannot answer with a problem, and an unknown segment with 404', async () => {
    const sizeHistory = (id: string, query: { from: string; to: string; step?: '1h' | '1d' }) =>
      system.api.GET('/v1/segments/{id}/size-history', { params: { path: { id }, query } });
    const now = Date.now();
    const backwards = await sizeHistory('two-purchases', { from: new Date(now).toISOString(), to: new Date(now - HOUR).toISOString() });
    expect(backwards.response.status).toBe(400);
    expect(backwards.error).toMatchObject({ code: 'validation_failed', errors: [{ path: 'querystring.to', message: 'must be after from' }] });
    const unknown = await sizeHistory('no-such-segment', { from: new Date(now - HOUR).toISOString(), to: new Date(now).toISOString() });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'not_found' });
  });

  it('erases the history with the customer', async () => {
    const customerId = uniqueName('erased');
    await walkTiers(customerId, ['gold', 'silver']);
    expect((await history(customerId)).data!.intervals).toHaveLength(1);
    expect((await system.api.DELETE('/v1/customers/{id}', { params: { path: { id: customerId } } })).response.status).toBe(202);
    await eventually(() => history(customerId), (r) => r.response.status === 404, { what: 'the history gone' });
    const left = await system.segmentDb.selectFrom('membership_intervals').select('segment_id').where('customer_id', '=', customerId).execute();
    expect(left).toEqual([]);
  });
});
