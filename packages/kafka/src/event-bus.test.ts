import { describe, expect, it } from 'vitest';
import { describePartitions } from './event-bus.js';

describe('describePartitions', () => {
  it('folds each topic’s partitions into runs', () => {
    const tps = [5, 0, 1, 2, 7, 8].map((partition) => ({ topic: 'orders', partition }));
    expect(describePartitions([...tps, { topic: 'payments', partition: 1 }])).toBe('orders:0-2,5,7-8 payments:1');
    expect(describePartitions([])).toBe('');
  });
});
