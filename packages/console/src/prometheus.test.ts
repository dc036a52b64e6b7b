import { describe, expect, it } from 'vitest';
import { dlqCounts, parsePrometheus } from './prometheus.js';

describe('prometheus text', () => {
  it('reads the dead-letter counts per service and event type', () => {
    const text = [
      '# HELP segflow_events_processed_total Events processed',
      '# TYPE segflow_events_processed_total counter',
      'segflow_events_processed_total{service="profile",type="purchase",outcome="applied"} 12',
      'segflow_events_processed_total{service="profile",type="purchase",outcome="dlq"} 2',
      'segflow_events_processed_total{service="ingest",type="unknown",outcome="dlq"} 1',
      'segflow_segment_size{segment="a \\"quoted\\" id"} 4',
    ].join('\n');
    const samples = parsePrometheus(text);
    expect(samples.at(-1)).toEqual({ name: 'segflow_segment_size', labels: { segment: 'a "quoted" id' }, value: 4 });
    expect(dlqCounts(samples)).toEqual([
      { service: 'ingest', type: 'unknown', count: 1 },
      { service: 'profile', type: 'purchase', count: 2 },
    ]);
  });
});
