import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupFor } from '@segflow/service-kit';
import { uniqueName } from '@segflow/testkit';
import { customerEvent } from '../support/events.js';
import { eventually } from '../support/eventually.js';
import { startSystem } from '../support/system.js';
import type { TestSystem } from '../support/system.js';

/** Sum of the samples of `metric` whose labels include `group="…"`, from a Prometheus text page. */
const sampleSum = (page: string, metric: string, group: string): number =>
  page
    .split('\n')
    .filter((line) => line.startsWith(`${metric}{`) && line.includes(`group="${group}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

describe('consumer lag of the profile service', () => {
  let system: TestSystem;
  let group: string;

  beforeAll(async () => {
    // A short poll interval and window, so that STALLED shows within seconds; STOPPED
    // (no progress for ten minutes) stays out of the way.
    system = await startSystem({ services: ['profile'], lag: { intervalMs: 200, window: 5, stoppedAfterMs: 600_000 } });
    group = groupFor(system.namespace, 'profile');
  });

  afterAll(async () => {
    await system?.stop();
  });

  const profileGroup = async () => {
    const { data } = await system.api.GET('/v1/ops/consumer-lag');
    return data!.groups.find((g) => g.group === group);
  };
  const metricsPage = async () => (await system.api.GET('/metrics', { parseAs: 'text' })).data!;

  it('shows N messages of lag turning STALLED while the consumer is stopped, and OK once it has caught up', async () => {
    await eventually(profileGroup, (g) => g?.observedAt != null && g.partitions.length === 3 && g.lag === 0 && g.status === 'OK', {
      what: 'the profile group observed with no lag',
    });

    // 1. stop the profile consumer, then produce N events it cannot take
    const profile = system.modules.find((m) => m.name === 'profile')!;
    await profile.stop();
    const n = 30;
    const customers = Array.from({ length: 10 }, () => uniqueName('c'));
    await system.bus.publish(
      system.topics.customerEvents,
      Array.from({ length: n }, (_, i) => customers[i % customers.length]!).map((customerId) => ({ key: customerId, value: JSON.stringify(customerEvent(customerId)) })),
    );

    // 2. the lag shows N at once, and the status moves to STALLED once a window of polls saw no progress
    const lagging = await eventually(profileGroup, (g) => g?.lag === n, { what: `a lag of ${n}` });
    expect(lagging!.partitions.reduce((sum, p) => sum + p.lag, 0)).toBe(n);
    // Each partition's window fills on its own: one whose messages landed a poll after another's
    // turns STALLED a poll later, while the group (the worst of its partitions) already is.
    const stalled = await eventually(profileGroup, (g) => g?.status === 'STALLED' && g.partitions.every((p) => p.lag === 0 || p.status === 'STALLED'), {
      what: 'status STALLED on every lagging partition',
    });
    expect(stalled!.lag).toBe(n);
    for (const p of stalled!.partitions) {
      expect(p.lag).toBe(p.end - (p.committed ?? 0));
      expect(p.status).toBe(p.lag > 0 ? 'STALLED' : 'OK');
      if (p.lag > 0) expect(p.lagSeconds).toBeGreaterThan(0);
    }
    const page = await metricsPage();
    expect(sampleSum(page, 'segflow_kafka_consumer_lag', group)).toBe(n);
    expect(sampleSum(page, 'segflow_kafka_consumer_lag_seconds', group)).toBeGreaterThan(0);

    // 3. restarted, the consumer catches up: lag 0, status OK, every event applied once
    await profile.start();
    const caughtUp = await eventually(profileGroup, (g) => g?.lag === 0 && g.status === 'OK', { what: 'lag back to 0 and OK' });
    // A partition none of the customers hashed to has nothing to commit: no offset (null) at end 0.
    expect(caughtUp!.partitions.every((p) => (p.committed ?? 0) === p.end && p.lagSeconds === 0)).toBe(true);
    const after = await metricsPage();
    expect(sampleSum(after, 'segflow_kafka_consumer_lag', group)).toBe(0);
    expect(after).toContain(`segflow_events_processed_total{service="profile",type="purchase",outcome="applied"} ${n}`);
  });
});
