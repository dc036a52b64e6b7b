import { describe, expect, it } from 'vitest';
import { renderLagTable } from './lag-table.js';

describe('lag table', () => {
  it('prints a summary per group and one aligned row per partition', () => {
    const text = renderLagTable({
      groups: [
        {
          group: 'segflow-profile',
          status: 'STALLED',
          lag: 1234,
          observedAt: '2025-01-01T00:00:00.000Z',
          partitions: [
            { topic: 'customer-events.v1', partition: 0, committed: 10, end: 1244, lag: 1234, lagSeconds: 62.5, status: 'STALLED' },
            { topic: 'customer-events.v1', partition: 1, committed: null, end: 0, lag: 0, lagSeconds: 0, status: 'OK' },
          ],
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'segflow-profile  STALLED  lag 1234  (read 2025-01-01T00:00:00.000Z)',
      '  TOPIC               PARTITION  COMMITTED   END   LAG  LAG SECONDS  STATUS',
      '  customer-events.v1          0         10  1244  1234         62.5  STALLED',
      '  customer-events.v1          1          -     0     0          0.0  OK',
      '',
    ]);
  });

  it('colours statuses only when asked, and says when there is nothing to show', () => {
    const report = { groups: [{ group: 'g', status: 'OK' as const, lag: 0, observedAt: null, error: 'broker down', partitions: [] }] };
    expect(renderLagTable(report)).toContain('g  OK  lag 0  (not read yet)  last read failed: broker down');
    expect(renderLagTable(report, { colour: true })).toContain('\x1b[32mOK\x1b[0m');
    expect(renderLagTable({ groups: [] })).toBe('no consumer groups run in this process\n');
  });
});
