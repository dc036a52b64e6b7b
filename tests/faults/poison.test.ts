import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MembershipEvent } from '@segflow/contracts';
import { readDlqHeaders } from '@segflow/kafka';
import type { OutgoingMessage } from '@segflow/kafka';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { customerEvent, purchase } from '../support/events.js';
import { collect, http, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

// Strings that Postgres, JSON or the router refuse, in every string field of every event type.
const BAD_TEXT = ['c\u0000', 'x\uD800', 'y\uDC00z', '\u0000'];
// As JSON text, sent raw: a tree thousands deep would overflow JSON.stringify on this side first.
const nested = (depth: number): string =>
  `${'{"all":['.repeat(depth)}{"field":"purchase.count","op":"gte","value":1}${']}'.repeat(depth)}`;
const sendJson = async (method: string, url: string, json: string) =>
  (await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: json })).status;
const now = () => new Date().toISOString();
const base = (customerId: string) => ({ eventId: `evt-${randomUUID()}`, customerId, occurredAt: now() });

/** Events that must be refused at the door (400 over HTTP, the DLQ on Kafka). */
const poisonEvents = (): Record<string, unknown>[] => [
  ...BAD_TEXT.flatMap((bad) => [
    purchase(bad),
    purchase('c-ok', { eventId: bad }),
    purchase('c-ok', { orderId: bad }),
    purchase('c-ok', { items: [{ sku: 's', category: bad, quantity: 1, price: 1 }] }),
    { ...base('c-ok'), type: 'page_view', url: `https://shop.example/${bad}`, category: bad },
    { ...base('c-ok'), type: 'email_open', campaignId: bad },
    { ...base('c-ok'), type: 'traits', traits: { city: bad } },
    { ...base('c-ok'), type: 'traits', traits: { interests: [bad] } },
    { ...base('c-ok'), type: 'traits', traits: { custom: { [bad]: 'v' } } },
    { ...base('c-ok'), type: 'traits', traits: { custom: { k: bad } } },
  ]),
  purchase('c-ok', { amount: 1e305 }),
  purchase('c-ok', { items: [{ sku: 's', quantity: 1, price: 1e305 }] }),
  purchase('c-ok', { amount: -1 }),
  purchase('x'.repeat(129)),
  purchase('c-ok', { customerId: 'tab\there' }),
];

const sourceTopic = (system: TestSystem, type: unknown): string => {
  const t = system.topics;
  return type === 'page_view' ? t.pageView : type === 'email_open' ? t.emailOpen : type === 'traits' ? t.traits : t.purchase;
};

describe('fault suite: poison input never stops the pipeline', () => {
  let system: TestSystem;
  let membership: Collector;
  let dlq: Collector;

  beforeAll(async () => {
    system = await startSystem();
    membership = await collect(system.bus, system.topics.membership);
    dlq = await collect(system.bus, system.topics.dlq);
    expect((await system.api.POST('/v1/segments', { body: { id: 'buyers', name: 'Buyers', rule: { field: 'purchase.count', op: 'gte', value: 1 } } })).response.status).toBe(201);
  });
  afterAll(async () => {
    await membership?.stop();
    await dlq?.stop();
    await system?.stop();
  });

  const profileOf = (id: string) => system.api.GET('/v1/customers/{id}', { params: { path: { id } } });
  const enteredBy = (id: string) => membership.json<MembershipEvent>().filter((e) => e.subject === id && e.type === 'segflow.segment.entered');

  it('answers 400 with the field for every poison event over HTTP, and 202 for the valid ones beside them', async () => {
    // Raw JSON: the corpus is what the contract refuses, much of it outside its types too.
    const corpus = poisonEvents();
    for (const event of corpus) {
      const response = await http('POST', `${system.url}/v1/events`, event);
      expect(response.status, JSON.stringify(event).slice(0, 120)).toBe(400);
      expect(response.body).toMatchObject({ status: 400, code: 'validation_failed', rejected: [{ index: 0 }] });
      expect(response.body.rejected[0].errors.length).toBeGreaterThan(0);
    }
    const good = uniqueName('c-http');
    const batch = await http('POST', `${system.url}/v1/events`, { events: [...corpus, purchase(good)] });
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 1 });
    expect(batch.body.rejected).toHaveLength(corpus.length);
    await eventually(() => profileOf(good), (r) => r.response.status === 200 && r.data?.purchase.count === 1, { what: 'the valid event applied' });
  });

  it('dead-letters poison on every source topic and on customer-events, and valid events interleaved arrive once', async () => {
    const corpus = poisonEvents();
    const goodIds = Array.from({ length: 12 }, () => uniqueName('c-kafka'));
    const nearLimit = Buffer.alloc(1_048_000, 0x20); // whitespace: invalid JSON, near the broker's 1 MiB limit
    const byTopic = new Map<string, OutgoingMessage[]>();
    const push = (topic: string, m: OutgoingMessage) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), m]);
    corpus.forEach((event, i) => {
      push(sourceTopic(system, event.type), { key: 'poison', value: JSON.stringify(event) });
      const good = goodIds[i % goodIds.length]!;
      push(system.topics.purchase, { key: good, value: JSON.stringify(purchase(good)) });
    });
    for (const topic of [system.topics.purchase, system.topics.pageView, system.topics.emailOpen, system.topics.traits]) {
      push(topic, { key: 'poison', value: '{"type":' });
      push(topic, { key: 'poison', value: nearLimit });
    }
    // Straight onto customer-events.v1, past ingest: the profile service must refuse them itself.
    const direct = BAD_TEXT.map((bad) => ({ key: 'poison', value: JSON.stringify(customerEvent(bad)) }));
    const directGood = uniqueName('c-direct');
    for (const topic of byTopic.keys()) for (const m of byTopic.get(topic)!) await system.bus.publish(topic, [m]);
    await system.bus.publish(system.topics.customerEvents, [...direct, { key: directGood, value: JSON.stringify(customerEvent(directGood)) }]);

    const sentPerCustomer = new Map<string, number>();
    corpus.forEach((_, i) => sentPerCustomer.set(goodIds[i % goodIds.length]!, (sentPerCustomer.get(goodIds[i % goodIds.length]!) ?? 0) + 1));
    for (const [id, count] of sentPerCustomer) {
      await eventually(() => profileOf(id), (r) => r.response.status === 200 && r.data?.purchase.count === count, { what: `${id} has ${count} purchases` });
      expect(enteredBy(id)).toHaveLength(1);
    }
    await eventually(() => profileOf(directGood), (r) => r.response.status === 200, { what: 'the direct valid event applied' });

    const expectedDead = corpus.length + 8 + direct.length;
    await eventually(async () => dlq.messages.length, (n) => n >= expectedDead, { what: `${expectedDead} dead letters` });
    const infos = dlq.messages.map((m) => readDlqHeaders(m));
    expect(infos.every((i) => i !== null && i.reason !== '')).toBe(true);
    const truncated = dlq.messages.filter((m) => m.headers['segflow-dlq-truncated-from'] !== undefined);
    expect(truncated).toHaveLength(4);

    const ready = await system.api.GET('/readyz');
    expect(ready.response.status).toBe(200);
  });

  it('refuses deep, wide and huge rules with 400 on create, update and preview', async () => {
    const huge = JSON.stringify({ field: 'traits.note', op: 'eq', value: 'x'.repeat(100_000) });
    for (const rule of [nested(1_000), nested(5_000), nested(40), huge]) {
      expect(await sendJson('POST', `${system.url}/v1/segments`, `{"name":"Deep","rule":${rule}}`)).toBe(400);
      expect(await sendJson('PUT', `${system.url}/v1/segments/buyers`, `{"name":"Buyers","rule":${rule}}`)).toBe(400);
      expect(await sendJson('POST', `${system.url}/v1/segments/preview`, `{"rule":${rule}}`)).toBe(400);
    }
    expect(await sendJson('POST', `${system.url}/v1/segments`, `{"name":"Nul\\u0000name","rule":${nested(1)}}`)).toBe(400);
    expect(await sendJson('POST', `${system.url}/v1/segments/preview`, `{"rule":${nested(3)}}`)).toBe(200);
  });

  it('reads and erases a customer whose id is 128 characters long', async () => {
    const id = `c-${'é'.repeat(126)}`;
    // The client percent-encodes the id in the path.
    expect((await system.api.POST('/v1/events', { body: purchase(id) })).response.status).toBe(202);
    await eventually(() => profileOf(id), (r) => r.response.status === 200, { what: 'a 128-character id readable' });
    expect((await system.api.GET('/v1/customers/{id}/segments', { params: { path: { id } } })).response.status).not.toBe(414);
    expect((await system.api.DELETE('/v1/customers/{id}', { params: { path: { id } } })).response.status).toBeLessThan(300);
    await eventually(() => profileOf(id), (r) => r.response.status === 404, { what: 'the customer erased' });
  });

  it('answers 400, not 500, for NUL in a path or a query', async () => {
    // Raw URLs: the client would encode these characters, never send them as they are.
    for (const path of ['/v1/customers/a%00b', '/v1/customers/a%00b/segments', '/v1/segments/buyers/members?cursor=%00', '/v1/customers/%ED%A0%80']) {
      const response = await fetch(`${system.url}${path}`);
      expect(response.status, path).toBe(400);
    }
  });
});
