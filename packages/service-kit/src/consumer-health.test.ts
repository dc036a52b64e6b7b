import { describe, expect, it } from 'vitest';
import type { PartitionRetry, Subscription } from '@segflow/kafka';
import { consumerReadiness } from './consumer-health.js';

const subscription = (ready: boolean, retrying: PartitionRetry[]): Subscription => ({
  ready, failed: false, retrying: () => retrying, stop: async () => undefined,
});
const results = async (checks: ReturnType<typeof consumerReadiness>) =>
  Object.fromEntries(await Promise.all(checks.map(async (c) => [c.name, await c.check()] as const)));

describe('consumer readiness', () => {
  const now = () => 100_000;

  it('is ready in its group with no partition failing for long', async () => {
    const recent = { topic: 't', partition: 0, attempts: 4, since: 90_000 };
    expect(await results(consumerReadiness(() => subscription(true, [recent]), { now }))).toEqual({ kafka: true, partitions: true });
  });

  it('is unready while a partition has been failing for longer than the bound', async () => {
    const stuck = { topic: 't', partition: 2, attempts: 40, since: 60_000 };
    expect(await results(consumerReadiness(() => subscription(true, [stuck]), { now }))).toEqual({ kafka: true, partitions: false });
  });

  it('is unready before the consumer has started or joined its group', async () => {
    expect(await results(consumerReadiness(() => null, { now }))).toEqual({ kafka: false, partitions: true });
    expect((await results(consumerReadiness(() => subscription(false, []), { now }))).kafka).toBe(false);
  });
});
