import { describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { buildApp, topicsFor } from '@segflow/service-kit';
import { expectProblem } from '@segflow/testkit/problems';
import { createIngestService } from '../../app.js';

const log = createLogger({ level: 'silent' });
const purchase = { eventId: 'e-1', type: 'purchase', customerId: 'c-1', occurredAt: '2026-11-23T09:00:00Z', orderId: 'o-1', amount: 5, currency: 'EUR' };

const appOver = async (bus: EventBus, publishTimeoutMs: number) => {
  const ingest = createIngestService({ bus, log, topics: topicsFor('t.'), namespace: 't.', partitions: 1, publishTimeoutMs });
  return buildApp({ log, title: 'test', modules: [ingest] });
};

describe('POST /v1/events while Kafka is unreachable', () => {
  it('answers 503 with Retry-After once the publish has not been acknowledged within the timeout', async () => {
    // A broker that never answers: kafkajs would retry for far longer than a client waits.
    const bus: EventBus = { ...createMemoryEventBus(), publish: () => new Promise<void>(() => undefined) };
    const app = await appOver(bus, 200);

    const started = performance.now();
    const response = await app.inject({ method: 'POST', url: '/v1/events', payload: purchase });
    const elapsed = performance.now() - started;

    expectProblem(response, { code: 'unavailable', status: 503, title: 'A dependency is unavailable', detail: expect.stringContaining('within 200 ms'), instance: '/v1/events' });
    expect(response.headers['retry-after']).toBe('5');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('answers 503 with Retry-After when the publish fails with a connection error', async () => {
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError', retriable: true });
    const bus: EventBus = { ...createMemoryEventBus(), publish: async () => Promise.reject(refused) };
    const app = await appOver(bus, 5_000);

    const response = await app.inject({ method: 'POST', url: '/v1/events', payload: purchase });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('still answers 202 when the broker acknowledges in time', async () => {
    const app = await appOver(createMemoryEventBus(), 5_000);
    const response = await app.inject({ method: 'POST', url: '/v1/events', payload: purchase });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 1, rejected: [] });
  });
});

describe('POST /v1/events refusals', () => {
  it('answers 400 as a problem listing every refused event by index, with its fields', async () => {
    const app = await appOver(createMemoryEventBus(), 5_000);
    const response = await app.inject({ method: 'POST', url: '/v1/events', payload: { events: [{ ...purchase, currency: 'euro' }, { type: 'purchase', eventId: 'e-2' }] } });
    const body = expectProblem(response, { code: 'validation_failed', status: 400, title: 'The request is not valid', detail: 'every event is invalid', instance: '/v1/events' });
    expect(body).toMatchObject({
      rejected: [
        { index: 0, eventId: 'e-1', errors: [{ path: 'currency', message: expect.any(String) }] },
        { index: 1, eventId: 'e-2', errors: expect.arrayContaining([{ path: 'customerId', message: expect.any(String) }]) },
      ],
    });
    expect(body.errors).toContainEqual({ path: 'body.events[0].currency', message: expect.any(String) });
    expect(body.errors).toContainEqual({ path: 'body.events[1].customerId', message: expect.any(String) });
  });

  it('answers a single invalid event with its fields under body.', async () => {
    const app = await appOver(createMemoryEventBus(), 5_000);
    const response = await app.inject({ method: 'POST', url: '/v1/events', payload: { ...purchase, amount: -1 } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ detail: 'the event is invalid', errors: [{ path: 'body.amount' }], rejected: [{ index: 0, errors: [{ path: 'amount' }] }] });
  });

  it('answers 415 for a text/plain body and 413 for a body past 1 MiB', async () => {
    const app = await appOver(createMemoryEventBus(), 5_000);
    const text = await app.inject({ method: 'POST', url: '/v1/events', payload: JSON.stringify(purchase), headers: { 'content-type': 'text/plain' } });
    expectProblem(text, { code: 'unsupported_media_type', status: 415, instance: '/v1/events' });
    // An unknown field would be dropped; this one makes the body 1.1 MB.
    const events = [{ ...purchase, padding: 'x'.repeat(1_100_000) }];
    expectProblem(await app.inject({ method: 'POST', url: '/v1/events', payload: { events } }), { code: 'payload_too_large', status: 413, instance: '/v1/events' });
  });
});
