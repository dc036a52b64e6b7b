import { describe, expect, it } from 'vitest';
import { createMetrics } from '@segflow/observability';
import { RECEIVED_AT_HEADER, membershipEventOrigin } from '@segflow/contracts';
import { toMembershipEvent } from '../../domain/decide.js';
import { observeEventToSegment } from './membership-published.js';

describe('event-to-segment latency', () => {
  it('times each membership event from when segflow received its cause, by reason, not from the event’s own time', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observe = observeEventToSegment({ metrics, membershipTopic: 'segment-membership.v1', now: () => new Date('2025-01-01T00:00:02.500Z') });
    // A backdated event: it happened a year ago, segflow received it two seconds ago.
    const membership = (reason: string) => JSON.stringify({ type: 'segflow.segment.entered', data: { reason, eventTime: '2024-01-01T00:00:00.000Z' } });
    const createdAt = new Date('2025-01-01T00:00:02.000Z');
    const received = { [RECEIVED_AT_HEADER]: '2025-01-01T00:00:00.500Z' };

    observe([
      { topic: 'segment-membership.v1', value: membership('event'), headers: received, createdAt },
      { topic: 'segment-membership.v1', value: membership('time'), headers: { [RECEIVED_AT_HEADER]: '2025-01-01T00:00:02.000Z' }, createdAt },
      { topic: 'segment-membership.v1', value: membership('backfill'), headers: {}, createdAt },
      { topic: 'segment-membership.v1', value: 'not json', headers: {}, createdAt },
      { topic: 'profile-changes.v1', value: membership('event'), headers: received, createdAt },
    ]);

    const { values } = await metrics.eventToSegmentSeconds.get();
    const of = (reason: string, suffix: 'count' | 'sum') => values.find((v) => v.metricName === `segflow_event_to_segment_seconds_${suffix}` && v.labels.reason === reason)?.value;
    expect([of('event', 'count'), of('event', 'sum')]).toEqual([1, 2]);
    expect(of('time', 'sum')).toBe(0.5);
    expect(of('backfill', 'sum')).toBe(0.5); // from the decision
    expect(of('unknown', 'count')).toBe(1);
  });

  it('labels a change with the reason it was published with, whatever the names and values around it say', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observe = observeEventToSegment({ metrics, membershipTopic: 'segment-membership.v1', now: () => new Date('2025-01-01T00:00:01.000Z') });
    const createdAt = new Date('2025-01-01T00:00:00.000Z');
    // A segment name and an explanation that spell out another reason: JSON escapes their quotes.
    const spoof = 'x","reason":"backfill';
    const event = (reason: 'event' | 'time') =>
      JSON.stringify(
        toMembershipEvent(
          {
            customerId: `c-${spoof}`,
            segment: { id: 's1', name: spoof, version: 1 },
            isMember: true,
            fromSeq: 0n,
            seq: 1n,
            explanation: [{ path: '', field: 'traits.custom.reason', op: 'eq', value: 'backfill', actual: spoof, was: null }],
            group: null,
          },
          { origin: membershipEventOrigin('http://localhost:3000'), reason, decidedAt: createdAt, causationEventId: spoof, eventTime: null, profileVersion: 1 },
        ),
      );
    observe([
      { topic: 'segment-membership.v1', value: event('event'), headers: {}, createdAt },
      { topic: 'segment-membership.v1', value: event('time'), headers: {}, createdAt },
      { topic: 'segment-membership.v1', value: JSON.stringify({ data: { reason: 'made up' } }), headers: {}, createdAt },
    ]);

    const { values } = await metrics.eventToSegmentSeconds.get();
    const counts = Object.fromEntries(values.filter((v) => v.metricName === 'segflow_event_to_segment_seconds_count').map((v) => [v.labels.reason, v.value]));
    expect(counts).toEqual({ event: 1, time: 1, unknown: 1 });
  });
});
