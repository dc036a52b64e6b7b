import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka } from 'cloudevents';
import type { CloudEvent, KafkaMessage } from 'cloudevents';
import type { AsyncApiDocument, MembershipEvent } from '@segflow/contracts';
import { membershipEventOrigin } from '@segflow/contracts';
import { checkAsyncApi, jsonSchemaValidator } from '@segflow/contracts/checks';
import type { BusMessage } from '@segflow/kafka';
import { uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';
import { purchase } from '../support/events.js';
import { collect, startSystem } from '../support/system.js';
import type { Collector, TestSystem } from '../support/system.js';

type Schema = Record<string, unknown>;
type MessageSpec = { payload: { schema?: { $ref: string } } & Schema; headers?: Schema };

// Poison produced by the test itself, to be found on the DLQ rather than checked as input.
const POISON_KEY = 'poison';

describe('published contracts: the messages of a running pipeline against its AsyncAPI document and JSON Schemas', () => {
  let system: TestSystem;
  let collectors: Map<string, Collector>;
  const buyer = uniqueName('c');
  const reader = uniqueName('c');
  const now = () => new Date().toISOString();
  const membership = () => collectors.get(system.topics.membership)!.json<MembershipEvent>();
  const changesOf = (customerId: string) => membership().filter((e) => e.subject === customerId).map((e) => `${e.data.segmentId} ${e.type} ${e.data.reason}`);

  beforeAll(async () => {
    system = await startSystem();
    collectors = new Map(await Promise.all(Object.values(system.topics).map(async (topic) => [topic, await collect(system.bus, topic)] as const)));
    await system.api.POST('/v1/segments', { body: { id: 'buyers', name: 'Buyers', rule: { field: 'purchase.count', op: 'gte', value: 2 } } });
    await system.api.POST('/v1/segments', {
      body: {
        id: 'unopened',
        name: 'Bought, never opened',
        rule: { all: [{ field: 'purchase.count', op: 'gte', value: 1 }, { field: 'emailOpen.count', op: 'eq', value: 0 }] },
      },
    });

    // Every source topic, HTTP, and poison for the DLQ.
    await system.api.POST('/v1/events', { body: { events: [purchase(buyer), purchase(buyer)] } });
    await system.bus.publish(system.topics.purchase, [{ key: reader, value: JSON.stringify(purchase(reader)) }, { key: POISON_KEY, value: '{"eventId":' }]);
    await system.bus.publish(system.topics.pageView, [{ key: buyer, value: JSON.stringify({ eventId: uniqueName('e'), type: 'page_view', customerId: buyer, occurredAt: now(), url: 'https://shop.example/shoes', category: 'shoes' }) }]);
    await system.bus.publish(system.topics.traits, [
      { key: buyer, value: JSON.stringify({ eventId: uniqueName('e'), type: 'traits', customerId: buyer, occurredAt: now(), traits: { country: 'DE', consent: { email: true } } }) },
      { key: POISON_KEY, value: JSON.stringify(purchase(buyer)) },
    ]);
    await eventually(async () => [...changesOf(buyer), ...changesOf(reader)], (c) => c.includes('buyers segflow.segment.entered event') && c.includes('unopened segflow.segment.entered event'), {
      what: 'the buyer entering buyers, the reader unopened',
    });
    await system.bus.publish(system.topics.emailOpen, [{ key: reader, value: JSON.stringify({ eventId: uniqueName('e'), type: 'email_open', customerId: reader, occurredAt: now(), campaignId: 'winter' }) }]);
    await eventually(async () => changesOf(reader), (c) => c.includes('unopened segflow.segment.exited event'), { what: 'the reader leaving unopened' });

    // An anonymous visitor identified as the buyer on the identify topic: its membership exits, merged.
    const visitor = uniqueName('anon');
    await system.api.POST('/v1/events', { body: purchase(visitor) });
    await eventually(async () => changesOf(visitor), (c) => c.includes('unopened segflow.segment.entered event'), { what: 'the visitor entering unopened' });
    await system.bus.publish(system.topics.identify, [
      { key: buyer, value: JSON.stringify({ eventId: uniqueName('e'), type: 'identify', customerId: buyer, anonymousId: visitor, occurredAt: now() }) },
    ]);
    await eventually(async () => changesOf(visitor), (c) => c.includes('unopened segflow.segment.exited merged'), { what: 'the visitor merged into the buyer' });

    // A backfill (no causing event: nulls) and an erasure.
    await system.api.POST('/v1/segments', { body: { id: 'anyone', name: 'Anyone who bought', rule: { field: 'purchase.count', op: 'gte', value: 1 } } });
    await eventually(async () => changesOf(reader), (c) => c.includes('anyone segflow.segment.entered backfill'), { what: 'the reader backfilled' });
    expect((await system.api.DELETE('/v1/customers/{id}', { params: { path: { id: reader } } })).response.status).toBeLessThan(300);
    await eventually(async () => changesOf(reader), (c) => c.includes('anyone segflow.segment.exited customer_erased'), { what: 'the reader erased' });
    await eventually(async () => collectors.get(system.topics.dlq)!.messages.length, (n) => n >= 2, { what: 'two dead letters' });
  });

  afterAll(async () => {
    await Promise.all([...(collectors?.values() ?? [])].map((c) => c.stop()));
    await system?.stop();
  });

  // The AsyncAPI document and the JSON Schemas are served beside the REST API, not described by its OpenAPI document.
  const served = async (url: string): Promise<Schema> => {
    const response = await fetch(url);
    expect(response.status, url).toBe(200);
    return (await response.json()) as Schema;
  };

  it('serves an AsyncAPI document that @asyncapi/parser reads with no error, resolving the schemas it serves', async () => {
    const document = await served(`${system.url}/docs/asyncapi.json`);
    const { errors, diagnostics } = await checkAsyncApi(document);
    expect(errors).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual(['asyncapi-latest-version']);
  });

  it('has every message the pipeline carried on every topic validate against its channel’s payload and header schemas', async () => {
    const document = (await served(`${system.url}/docs/asyncapi.json`)) as unknown as AsyncApiDocument;
    const ajv = jsonSchemaValidator();
    const load = async (url: string) => {
      if (!ajv.getSchema(url)) ajv.addSchema(await served(url));
      return ajv.getSchema(url)!;
    };
    const messages = document.components.messages as Record<string, MessageSpec>;
    const checked: string[] = [];
    for (const channel of Object.values(document.channels)) {
      const [messageId] = Object.keys(channel.messages);
      const spec = messages[messageId!]!;
      const carried = collectors.get(channel.address)!.messages.filter((m) => m.key !== POISON_KEY || channel.address === system.topics.dlq);
      expect(carried.length, `messages on ${channel.address}`).toBeGreaterThan(0);
      // Only a dead letter's payload is free-form (the refused bytes); it is checked by its headers.
      expect(spec.payload.schema !== undefined || channel.address === system.topics.dlq, `${messageId} has a payload schema`).toBe(true);
      const payload = spec.payload.schema ? await load(spec.payload.schema.$ref) : null;
      const headers = spec.headers ? ajv.compile(spec.headers) : null;
      for (const message of carried) {
        const where = `${channel.address}@${message.offset}`;
        if (payload) expect(payload(JSON.parse(message.value!.toString('utf8'))), `${where}: ${JSON.stringify(payload.errors)}`).toBe(true);
        if (headers) expect(headers(message.headers), `${where} headers: ${JSON.stringify(headers.errors)}`).toBe(true);
      }
      checked.push(channel.address);
    }
    expect(checked.sort()).toEqual(Object.values(system.topics).sort());
  });

  it('publishes membership CloudEvents that the cloudevents SDK accepts, each naming the served schema its data validates against', async () => {
    const events: BusMessage[] = collectors.get(system.topics.membership)!.messages;
    const ajv = jsonSchemaValidator();
    const reasons = new Set<string>();
    const types = new Set<string>();
    for (const message of events) {
      const value = message.value!.toString('utf8');
      const kafkaMessage: KafkaMessage<string> = { headers: message.headers, key: message.key ?? '', value, body: value };
      const event = Kafka.toEvent(kafkaMessage) as CloudEvent<MembershipEvent['data']>;
      expect(event.validate()).toBe(true);
      expect(event).toMatchObject({ specversion: '1.0', datacontenttype: 'application/json', ...membershipEventOrigin(system.publicUrl) });
      expect(new URL(event.source).origin).toBe(system.url);
      if (!ajv.getSchema(event.dataschema!)) ajv.addSchema(await served(event.dataschema!));
      const validate = ajv.getSchema(event.dataschema!)!;
      expect(validate(event.data), `${event.id}: ${JSON.stringify(validate.errors)}`).toBe(true);
      reasons.add(event.data!.reason);
      types.add(event.type);
    }
    expect([...types].sort()).toEqual(['segflow.segment.entered', 'segflow.segment.exited']);
    expect([...reasons].sort()).toEqual(['backfill', 'customer_erased', 'event', 'merged']);
  });
});
