import { describe, expect, it } from 'vitest';
import { createMetrics } from '@segflow/observability';
import { observeEventToSegment } from './membership-published.js';

describe('event-to-segment latency', () => {
  it('observes the time from each membership event’s eventTime to its publication, on the membership topic only', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observe = observeEventToSegment({ metrics, membershipTopic: 'segment-membership.v1', now: () => new Date('2025-01-01T00:00:02.500Z') });
    const membership = (eventTime: string | null) => JSON.stringify({ type: 'segflow.segment.entered', data: { eventTime } });

    observe([
      { topic: 'segment-membership.v1', value: membership('2025-01-01T00:00:00.000Z') },
      { topic: 'segment-membership.v1', value: membership(null) },
      { topic: 'segment-membership.v1', value: 'not json' },
      { topic: 'profile-changes.v1', value: membership('2025-01-01T00:00:00.000Z') },
    ]);

    const { values } = await metrics.eventToSegmentSeconds.get();
    expect(values.find((v) => v.metricName === 'segflow_event_to_segment_seconds_count')?.value).toBe(1);
    expect(values.find((v) => v.metricName === 'segflow_event_to_segment_seconds_sum')?.value).toBe(2.5);
  });
});
