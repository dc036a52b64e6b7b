import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

const names = async (metrics: ReturnType<typeof createMetrics>) => (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);

describe('segflow metrics', () => {
  it('defines the segflow metrics once per registry, with the process metrics unless asked not to', async () => {
    const withDefaults = createMetrics();
    const bare = createMetrics({ defaultMetrics: false });
    const segflow = [
      'segflow_kafka_consumer_lag',
      'segflow_kafka_consumer_lag_seconds',
      'segflow_kafka_consumer_status',
      'segflow_events_processed_total',
      'segflow_event_to_segment_seconds',
      'segflow_outbox_pending',
      'segflow_outbox_parked',
      'segflow_outbox_oldest_pending_seconds',
      'segflow_batch_size',
      'segflow_batch_duration_seconds',
      'segflow_scheduler_due',
      'segflow_consumer_retrying_seconds',
      'segflow_segment_size',
    ];
    expect((await names(bare)).sort()).toEqual(segflow.sort());
    expect(await names(withDefaults)).toEqual(expect.arrayContaining([...segflow, 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']));
  });

  it('counts events by service, type and outcome', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.countEvents('profile', 'purchase', 'applied', 3);
    metrics.countEvents('profile', 'purchase', 'dlq');
    metrics.countEvents('profile', 'traits', 'duplicate', 0);
    const page = await metrics.registry.metrics();
    expect(page).toContain('segflow_events_processed_total{service="profile",type="purchase",outcome="applied"} 3');
    expect(page).toContain('segflow_events_processed_total{service="profile",type="purchase",outcome="dlq"} 1');
    expect(page).toContain('segflow_events_processed_total{service="profile",type="traits",outcome="duplicate"} 0');
  });

  it('reads the outbox backlog at scrape time, and leaves out a count that fails or does not answer', async () => {
    const metrics = createMetrics({ defaultMetrics: false, scrapeTimeoutMs: 50 });
    let pending = 4;
    metrics.trackOutbox('profile', async () => pending);
    const untrackSegment = metrics.trackOutbox('segment', () => Promise.reject(new Error('database down')));
    metrics.trackOutbox('scheduler', () => new Promise<number>(() => undefined));
    const values = async () => Object.fromEntries((await metrics.outboxPending.get()).values.map((v) => [v.labels.producer, v.value]));

    expect(await values()).toEqual({ profile: 4 });
    pending = 0;
    expect(await values()).toEqual({ profile: 0 });
    untrackSegment();
    expect(await values()).toEqual({ profile: 0 });
  });

  it('reads pending, parked and the oldest pending age with one read per producer and scrape', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let reads = 0;
    let reading: { pending: number; parked: number; oldestPendingSeconds: number | null } = { pending: 3, parked: 1, oldestPendingSeconds: 42.5 };
    const untrack = metrics.trackOutbox('segment', async () => (reads++, reading));
    metrics.trackOutbox('profile', async () => 2);

    let page = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(page).toContain('segflow_outbox_pending{producer="segment"} 3');
    expect(page).toContain('segflow_outbox_parked{producer="segment"} 1');
    expect(page).toContain('segflow_outbox_oldest_pending_seconds{producer="segment"} 42.5');
    // A bare count says nothing about parked rows or ages: those series are absent.
    expect(page).toContain('segflow_outbox_pending{producer="profile"} 2');
    expect(page).not.toContain('segflow_outbox_parked{producer="profile"}');

    reading = { pending: 0, parked: 1, oldestPendingSeconds: null };
    page = await metrics.registry.metrics();
    expect(reads).toBe(2);
    expect(page).toContain('segflow_outbox_oldest_pending_seconds{producer="segment"} 0');

    untrack();
    page = await metrics.registry.metrics();
    expect(page).not.toContain('producer="segment"');
  });
});

describe('segment sizes', () => {
  it('reads each live segment size at scrape time, drops a segment gone, and shows nothing when the read fails', async () => {
    const metrics = createMetrics({ defaultMetrics: false, scrapeTimeoutMs: 50 });
    let sizes: Map<string, number> | null = new Map([['vip-customers', 1207], ['lapsed', 3]]);
    const untrack = metrics.trackSegmentSizes(async () => sizes ?? Promise.reject(new Error('no database')));
    const page = await metrics.registry.metrics();
    expect(page).toContain('segflow_segment_size{segment="vip-customers"} 1207');
    expect(page).toContain('segflow_segment_size{segment="lapsed"} 3');
    sizes = new Map([['vip-customers', 1208]]);
    const next = await metrics.registry.metrics();
    expect(next).toContain('segflow_segment_size{segment="vip-customers"} 1208');
    expect(next).not.toContain('segment="lapsed"');
    sizes = null;
    expect(await metrics.registry.metrics()).not.toMatch(/segflow_segment_size\{/);
    untrack();
  });
});

describe('scheduler backlog', () => {
  it('reads the number of due customers at scrape time', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let due = 7;
    const untrack = metrics.trackSchedulerDue(async () => due);
    expect(await metrics.registry.metrics()).toContain('segflow_scheduler_due 7');
    due = 0;
    expect(await metrics.registry.metrics()).toContain('segflow_scheduler_due 0');
    untrack();
  });

  it('shows how long each retried partition has been failing, and nothing once it recovers', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let retrying = [{ topic: 'customer-events.v1', partition: 2, since: Date.now() - 90_000 }];
    const untrack = metrics.trackRetries('segflow-profile', () => retrying);
    const text = await metrics.registry.metrics();
    const value = Number(/segflow_consumer_retrying_seconds\{group="segflow-profile",topic="customer-events.v1",partition="2"\} ([\d.]+)/.exec(text)?.[1]);
    expect(value).toBeGreaterThanOrEqual(90);
    retrying = [];
    expect(await metrics.registry.metrics()).not.toMatch(/segflow_consumer_retrying_seconds\{/);
    untrack();
  });
});
