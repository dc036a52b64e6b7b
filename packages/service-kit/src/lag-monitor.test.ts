import { describe, expect, it } from 'vitest';
import { createMemoryEventBus } from '@segflow/kafka';
import { createLogger, createMetrics } from '@segflow/observability';
import { buildApp } from './run.js';
import { createLagMonitor } from './lag-monitor.js';
import type { LagSettings } from './base-config.js';

const settings: LagSettings = { intervalMs: 1_000, window: 3, stoppedAfterMs: 10_000 };
const log = createLogger({ level: 'silent' });

const setup = async () => {
  const bus = createMemoryEventBus();
  await bus.createTopics([{ topic: 'events', partitions: 2 }]);
  await bus.publish('events', Array.from({ length: 10 }, (_, i) => ({ key: `customer-${i}`, value: `v${i}` })));
  const metrics = createMetrics({ defaultMetrics: false });
  let clock = Date.parse('2025-01-01T00:00:00Z');
  const monitor = createLagMonitor({ bus, groups: [{ groupId: 'g', topics: ['events'] }], metrics, settings, log, now: () => clock });
  const tick = async () => {
    await monitor.poll();
    clock += settings.intervalMs;
  };
  return { bus, metrics, monitor, tick };
};

describe('lag monitor', () => {
  it('reports a group that never consumed as lagging by the whole log, STALLED once a window saw no progress', async () => {
    const { metrics, monitor, tick } = await setup();
    await tick();
    const [first] = monitor.report().groups;
    expect(first).toMatchObject({ group: 'g', lag: 10, status: 'OK', observedAt: '2025-01-01T00:00:00.000Z' });
    expect(first!.partitions.map((p) => p.committed)).toEqual([null, null]);

    await tick();
    await tick();
    const [stalled] = monitor.report().groups;
    expect(stalled!.status).toBe('STALLED');
    expect(stalled!.partitions.filter((p) => p.lag > 0).every((p) => p.status === 'STALLED' && p.lagSeconds === 2)).toBe(true);

    const lag = (await metrics.consumerLag.get()).values;
    expect(lag.reduce((sum, v) => sum + v.value, 0)).toBe(10);
    expect(lag.every((v) => v.labels.group === 'g' && v.labels.topic === 'events')).toBe(true);
    expect((await metrics.consumerLagSeconds.get()).values).toEqual([{ labels: { group: 'g', topic: 'events' }, value: 2 }]);
    const current = (await metrics.consumerStatus.get()).values.filter((v) => v.value === 1);
    expect(current.map((v) => [v.labels.partition, v.labels.status])).toEqual(stalled!.partitions.map((p) => [p.partition, p.status]));
  });

  it('returns to OK with zero lag once the group has consumed everything', async () => {
    const { bus, metrics, monitor, tick } = await setup();
    for (let i = 0; i < 4; i++) await tick();
    expect(monitor.report().groups[0]!.status).toBe('STALLED');

    const sub = await bus.subscribe({ groupId: 'g', topics: ['events'], handler: async (batch) => ({ kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n }) });
    await expect.poll(async () => (await bus.groupOffsets('g', ['events'])).every((p) => p.committed === p.end)).toBe(true);
    await sub.stop();
    await tick();

    expect(monitor.report().groups[0]).toMatchObject({ status: 'OK', lag: 0 });
    expect((await metrics.consumerLag.get()).values.every((v) => v.value === 0)).toBe(true);
  });

  it('keeps the last good reading and says why when the offsets cannot be read', async () => {
    const { bus, metrics } = await setup();
    const monitor = createLagMonitor({ bus, groups: [{ groupId: 'g', topics: ['no-such-topic'] }], metrics, settings, log });
    await monitor.poll();
    expect(monitor.report().groups[0]).toMatchObject({ group: 'g', observedAt: null, partitions: [], error: expect.stringContaining('no-such-topic') });
  });

  it('serves its report at /v1/ops/consumer-lag and the registry at /metrics', async () => {
    const { metrics, monitor, tick } = await setup();
    await tick();
    const app = await buildApp({ log, title: 'test', modules: [], metrics, lag: monitor });

    const lag = await app.inject({ method: 'GET', url: '/v1/ops/consumer-lag' });
    expect(lag.statusCode).toBe(200);
    expect(lag.json()).toEqual(monitor.report());

    const page = await app.inject({ method: 'GET', url: '/metrics' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/plain');
    expect(page.body).toMatch(/^segflow_kafka_consumer_lag\{group="g",topic="events",partition="0"\} \d+$/m);
    await app.close();
  });
});
