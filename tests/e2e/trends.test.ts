import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent, Rule } from '@segflow/contracts';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import type { EventsRequest } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Spend over `window` under half of the `window` before it, with at least 2 purchases before. */
const decliningSpenders = (window: string): Rule => ({
  all: [
    { field: 'purchase.total', window, compareTo: { window }, measure: 'ratio', op: 'lt', value: 0.5 },
    { field: 'purchase.count', window, compareTo: { window }, measure: 'previous', op: 'gte', value: 2 },
  ],
});

const at = (t: number) => new Date(t).toISOString();

describe('spend trends', () => {
  let system: TestSystem;
  let membership: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    for (const [id, window] of [['declining-spenders', '90d'], ['declining-this-hour', '1h']] as const) {
      const created = await system.api.POST('/v1/segments', { body: { id, name: `Declining spenders (${window})`, rule: decliningSpenders(window) } });
      expect(created.response.status).toBe(201);
    }
  });

  afterAll(async () => {
    await membership?.stop();
    await system?.stop();
  });

  const sendEvents = (body: EventsRequest) => system.api.POST('/v1/events', { body });
  const segmentIdsOf = async (id: string) =>
    (await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id } } })).data?.segments.map((s) => s.segmentId);
  const eventsFor = (customerId: string, segmentId: string) => membership.json<MembershipEvent>().filter((e) => e.subject === customerId && e.data.segmentId === segmentId);

  it('enters a customer whose spend in the last 90 days fell under half of the 90 days before, and exits when it recovers', async () => {
    const customerId = uniqueName('decliner');
    const steady = uniqueName('steady');
    const now = Date.now();
    // one request each: a customer's events are applied in order, and no prefix of these qualifies
    await sendEvents({
      events: [
        purchase(customerId, { occurredAt: at(now - 10 * DAY), amount: 50 }),
        purchase(customerId, { occurredAt: at(now - 150 * DAY), amount: 80 }),
        purchase(customerId, { occurredAt: at(now - 100 * DAY), amount: 120 }),
      ],
    });
    await sendEvents({
      events: [
        purchase(steady, { occurredAt: at(now - 10 * DAY), amount: 150 }),
        purchase(steady, { occurredAt: at(now - 150 * DAY), amount: 100 }),
        purchase(steady, { occurredAt: at(now - 100 * DAY), amount: 100 }),
      ],
    });

    const [entered] = await eventually(async () => eventsFor(customerId, 'declining-spenders'), (events) => events.length === 1, { what: 'the decliner entered' });
    expect(entered).toMatchObject({ type: 'segflow.segment.entered', data: { reason: 'event', segmentId: 'declining-spenders' } });
    expect(entered!.data.explanation).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'all[0]', compareTo: { window: '90d' }, measure: 'ratio', actual: 0.25, periods: expect.objectContaining({ actual: { current: 50, previous: 200 } }) }),
        expect.objectContaining({ path: 'all[1]', field: 'purchase.count', measure: 'previous', actual: 2 }),
      ]),
    );
    expect(await segmentIdsOf(customerId)).toEqual(['declining-spenders']);

    // 50 + 60 = 110 in the last 90 days against 200 before: no longer declining
    await sendEvents(purchase(customerId, { occurredAt: at(Date.now()), amount: 60 }));
    const [, exited] = await eventually(async () => eventsFor(customerId, 'declining-spenders'), (events) => events.length === 2, { what: 'the decliner exited' });
    expect(exited).toMatchObject({ type: 'segflow.segment.exited', data: { reason: 'event', explanation: [{ path: 'all[0]', measure: 'ratio', actual: 0.55, was: 0.25 }] } });

    // the steady customer (150 against 200, never under half) was evaluated and never entered
    await eventually(() => system.api.GET('/v1/customers/{id}', { params: { path: { id: steady } } }), (r) => r.response.status === 200 && r.data?.purchase.count === 3, {
      what: 'the steady profile',
    });
    await eventually(() => system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: steady } } }), (r) => r.response.status === 200, { what: 'the steady customer evaluated' });
    expect(eventsFor(steady, 'declining-spenders')).toEqual([]);
  });

  it('takes purchases from the public purchase topic too', async () => {
    const customerId = uniqueName('topic-decliner');
    const now = Date.now();
    const purchases = [purchase(customerId, { occurredAt: at(now - 120 * DAY), amount: 70 }), purchase(customerId, { occurredAt: at(now - 95 * DAY), amount: 30 })];
    await system.bus.publish(system.topics.purchase, purchases.map((p) => ({ key: customerId, value: JSON.stringify(p) })));
    const [entered] = await eventually(async () => eventsFor(customerId, 'declining-spenders'), (events) => events.length === 1, { what: 'entered from the topic' });
    expect(entered).toMatchObject({ type: 'segflow.segment.entered', data: { reason: 'event' } });
  });

  it('enters and exits with no event as purchases age from the last hour into the hour before, and out of it', { timeout: 180_000 }, async () => {
    const leaving = uniqueName('leaving');
    const arriving = uniqueName('arriving');
    // a minute boundary at least 20 s ahead: minute buckets within 48 h make it the flip instant
    const flipAt = Math.ceil((Date.now() + 20_000) / MINUTE) * MINUTE;
    // `leaving` bought between 1 and 2 hours ago (the hour before): a decliner now, until its bucket leaves both hours at flipAt
    const leavingAt = flipAt - 2 * HOUR - MINUTE + 5_000;
    // `arriving` bought within the last hour: no hour before to compare with, until its bucket moves there at flipAt
    const arrivingAt = flipAt - HOUR - MINUTE + 5_000;
    await sendEvents({
      events: [
        purchase(leaving, { occurredAt: at(leavingAt), amount: 40 }),
        purchase(leaving, { occurredAt: at(leavingAt + 1_000), amount: 60 }),
        purchase(arriving, { occurredAt: at(arrivingAt), amount: 40 }),
        purchase(arriving, { occurredAt: at(arrivingAt + 1_000), amount: 60 }),
      ],
    });

    const [entered] = await eventually(async () => eventsFor(leaving, 'declining-this-hour'), (events) => events.length === 1, { what: 'entered on the event' });
    expect(entered).toMatchObject({ type: 'segflow.segment.entered', data: { reason: 'event' } });
    expect(Date.now()).toBeLessThan(flipAt); // the flip below is driven by time alone

    const waitMs = flipAt - Date.now() + 20_000;
    const [, exited] = await eventually(async () => eventsFor(leaving, 'declining-this-hour'), (events) => events.length === 2, { what: 'exited on time', timeoutMs: waitMs });
    const [arrived] = await eventually(async () => eventsFor(arriving, 'declining-this-hour'), (events) => events.length === 1, { what: 'entered on time', timeoutMs: 10_000 });
    for (const [event, type] of [[exited!, 'segflow.segment.exited'], [arrived!, 'segflow.segment.entered']] as const) {
      expect(event).toMatchObject({ type, data: { reason: 'time' } });
      expect(Date.parse(event.data.eventTime!)).toBe(flipAt);
      const delay = Date.parse(event.time) - flipAt;
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(5_000);
    }
    expect(exited!.data.explanation).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'purchase.count', measure: 'previous', actual: 0, was: 2, periods: { actual: { current: 0, previous: 0 }, was: { current: 0, previous: 2 } } })]),
    );
    expect(arrived!.data.explanation).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'purchase.total', measure: 'ratio', actual: 0, was: null, periods: { actual: { current: 0, previous: 100 }, was: { current: 100, previous: 0 } } })]),
    );
    expect(await segmentIdsOf(arriving)).toEqual(['declining-this-hour']);
  });
});
