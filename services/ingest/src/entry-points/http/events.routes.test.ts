import { describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '@segflow/kafka';
import type { EventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { buildApp, topicsFor } from '@segflow/service-kit';
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

    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ error: 'unavailable', message: expect.stringContaining('within 200 ms') });
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
    expect(response.json()).toMatchObject({ error: 'unavailable' });
  });

  it('still answers 202 when the broker acknowledges in time', async () => {
    const app = await appOver(createMemoryEventBus(), 5_000);
    const response = await app.inject({ method: 'POST', url: '/v1/events', payload: purchase });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 1, rejected: [] });
  });
});
