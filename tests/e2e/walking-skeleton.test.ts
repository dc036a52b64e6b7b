import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { membershipEventOrigin } from '@segflow/contracts';
import type { MembershipEvent } from '@segflow/contracts';
import { readDlqHeaders } from '@segflow/kafka';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import type { EventsRequest } from '../support/events.js';
import { collect, http, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

describe('pipeline: events in, segment membership out', () => {
  let system: TestSystem;
  let membership: Collector;
  let dlq: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    dlq = await collect(system.bus, system.topics.dlq);
    const created = await system.api.POST('/v1/segments', {
      body: { id: 'frequent-buyers', name: 'Frequent buyers', rule: { field: 'purchase.count', op: 'gte', value: 3 } },
    });
    expect(created.response.status).toBe(201);
  });

  afterAll(async () => {
    await membership?.stop();
    await dlq?.stop();
    await system?.stop();
  });

  const entriesFor = (customerId: string) =>
    membership.json<MembershipEvent>().filter((e) => e.subject === customerId && e.type === 'segflow.segment.entered');
  const profileOf = (id: string) => system.api.GET('/v1/customers/{id}', { params: { path: { id } } });
  const sendEvents = (body: EventsRequest) => system.api.POST('/v1/events', { body });

  it('enters a customer after three purchases sent over HTTP, once, and lists the segment', async () => {
    const customerId = uniqueName('c');
    for (let i = 0; i < 3; i++) {
      expect((await sendEvents(purchase(customerId))).response.status).toBe(202);
    }

    const [entered] = await eventually(async () => entriesFor(customerId), (events) => events.length >= 1, { what: 'segment entered' });
    expect(entered).toMatchObject({
      specversion: '1.0',
      id: `frequent-buyers:${customerId}:1`,
      type: 'segflow.segment.entered',
      ...membershipEventOrigin(system.publicUrl),
      data: { customerId, segmentId: 'frequent-buyers', segmentName: 'Frequent buyers', segmentVersion: 1, reason: 'event', profileVersion: 3 },
    });
    // `was` is the count in the previous snapshot the segment service saw (1 or 2, or null
    // when all three purchases reached it in one profile change): batching decides.
    expect(entered!.data.explanation).toEqual([{ path: '', field: 'purchase.count', op: 'gte', value: 3, actual: 3, was: expect.toBeOneOf([1, 2, null]) }]);

    const segments = await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id: customerId } } });
    expect(segments.response.status).toBe(200);
    expect(segments.data?.segments).toEqual([{ segmentId: 'frequent-buyers', name: 'Frequent buyers', enteredAt: expect.any(String), group: null }]);

    // a fourth purchase keeps the customer in: no second entry
    await sendEvents(purchase(customerId));
    await eventually(() => profileOf(customerId), (r) => r.data?.purchase.count === 4, { what: 'fourth purchase applied' });
    expect(entriesFor(customerId)).toHaveLength(1);
  });

  it('counts an event sent twice with the same eventId once', async () => {
    const customerId = uniqueName('c');
    const event = purchase(customerId, { amount: 40 });
    await sendEvents(event);
    await sendEvents({ events: [event, event] });
    await sendEvents(purchase(customerId, { amount: 2 }));

    const profile = await eventually(() => profileOf(customerId), (r) => r.data?.version === 2, { what: 'two distinct events applied' });
    expect(profile.data?.purchase).toMatchObject({ count: 2, total: 42 });
    expect(entriesFor(customerId)).toEqual([]);
  });

  it('takes events produced straight onto the source topic the same way', async () => {
    const customerId = uniqueName('c');
    await system.bus.publish(
      system.topics.purchase,
      [1, 2, 3].map(() => ({ key: customerId, value: JSON.stringify(purchase(customerId)) })),
    );
    const [entered] = await eventually(async () => entriesFor(customerId), (events) => events.length === 1, { what: 'segment entered' });
    expect(entered?.data.profileVersion).toBe(3);
  });

  it('sends a malformed source message to the DLQ with its reason and keeps going', async () => {
    const customerId = uniqueName('c');
    await system.bus.publish(system.topics.purchase, [
      { key: customerId, value: '{"eventId": "broken"' },
      { key: customerId, value: JSON.stringify(purchase(customerId, { amount: -5 })) },
      { key: customerId, value: JSON.stringify(purchase(customerId)) },
    ]);

    const rejected = await eventually(
      async () => dlq.messages.filter((m) => m.key === customerId),
      (messages) => messages.length === 2,
      { what: 'two messages on the DLQ' },
    );
    const [notJson, negative] = rejected.map(readDlqHeaders);
    expect(notJson).toMatchObject({ reason: 'invalid_json', originTopic: system.topics.purchase });
    expect(negative).toMatchObject({ reason: 'invalid_event', originTopic: system.topics.purchase });
    expect(JSON.stringify(negative!.errors)).toContain('amount');
    expect(rejected[0]!.value!.toString()).toBe('{"eventId": "broken"');

    const profile = await eventually(() => profileOf(customerId), (r) => r.response.status === 200, { what: 'the valid purchase applied' });
    expect(profile.data?.purchase.count).toBe(1);
  });

  it('answers 400 with per-event errors over HTTP and accepts the valid part of a batch', async () => {
    const customerId = uniqueName('c');
    const single = await sendEvents({ ...purchase(customerId), currency: 'euro' });
    expect(single.response.status).toBe(400);
    expect(single.error).toMatchObject({
      type: '/problems/validation-failed',
      status: 400,
      code: 'validation_failed',
      instance: '/v1/events',
      errors: [{ path: 'body.currency' }],
      rejected: [{ index: 0, errors: [{ path: 'currency' }] }],
    });

    // These two batches hold an event with only a type, which the contract's types refuse: raw JSON.
    const none = await http('POST', `${system.url}/v1/events`, { events: [{ type: 'purchase' }, { ...purchase(customerId), amount: -1 }] });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ code: 'validation_failed', detail: 'every event is invalid', rejected: [{ index: 0 }, { index: 1 }] });
    expect(none.body.errors).toContainEqual(expect.objectContaining({ path: 'body.events[1].amount' }));

    const batch = await http('POST', `${system.url}/v1/events`, { events: [purchase(customerId), { type: 'purchase' }] });
    expect(batch.status).toBe(202);
    expect(batch.body.accepted).toBe(1);
    expect(batch.body.rejected).toMatchObject([{ index: 1 }]);
  });

  it('documents every /v1 route in OpenAPI with the scope an API key needs for it', async () => {
    // The document itself is served beside the API, not described by it.
    const spec = (await http('GET', `${system.url}/docs/json`)).body as { paths: Record<string, Record<string, { security?: { apiKey: string[] }[] }>> };
    const scopes = Object.fromEntries(
      Object.entries(spec.paths)
        .filter(([path]) => path.startsWith('/v1/'))
        .flatMap(([path, operations]) => Object.entries(operations).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.security?.[0]?.apiKey[0]])),
    );
    expect(scopes).toEqual({
      'POST /v1/events': 'events:write',
      'GET /v1/customers/{id}': 'customers:read',
      'DELETE /v1/customers/{id}': 'customers:erase',
      'GET /v1/customers/{id}/segments': 'customers:read',
      'GET /v1/customers/{id}/segment-history': 'customers:read',
      'GET /v1/scoring-model': 'segments:read',
      'PUT /v1/scoring-model': 'segments:write',
      'POST /v1/ops/rfm/recompute': 'segments:write',
      'GET /v1/ops/consumer-lag': 'ops:read',
      'POST /v1/segments': 'segments:write',
      'GET /v1/segments': 'segments:read',
      'GET /v1/segments/{id}': 'segments:read',
      'PUT /v1/segments/{id}': 'segments:write',
      'DELETE /v1/segments/{id}': 'segments:write',
      'GET /v1/segments/{id}/backfill': 'segments:read',
      'GET /v1/segments/{id}/members': 'segments:read',
      'GET /v1/segments/{id}/size-history': 'segments:read',
      'GET /v1/segments/{id}/results': 'segments:read',
      'POST /v1/segments/preview': 'segments:read',
    });
    // The document every deployment serves is the checked-in one, whatever its settings.
    const checkedIn = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'packages', 'contracts', 'openapi.json'), 'utf8')) as { info: object };
    expect(spec).toEqual({ ...checkedIn, info: { ...checkedIn.info, title: 'segflow test' } });
  });
});
