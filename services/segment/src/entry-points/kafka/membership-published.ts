import type { SegflowMetrics } from '@segflow/observability';

/**
 * The outbox relay's `onPublished` hook for the segment producer: observes
 * `segflow_event_to_segment_seconds` from each membership CloudEvent's `data.eventTime`
 * (the time of the event that caused the change, or for a time-driven flip the instant the
 * condition flipped) to its publication. Changes with no event time (backfill, deletion)
 * are not observed.
 */
export const observeEventToSegment =
  (deps: { metrics: SegflowMetrics; membershipTopic: string; now: () => Date }) =>
  (rows: { topic: string; value: string }[]): void => {
    const now = deps.now().getTime();
    for (const row of rows) {
      if (row.topic !== deps.membershipTopic) continue;
      const eventTime = eventTimeOf(row.value);
      if (eventTime !== null) deps.metrics.eventToSegmentSeconds.observe(Math.max(0, now - eventTime) / 1000);
    }
  };

const eventTimeOf = (value: string): number | null => {
  try {
    const time: unknown = (JSON.parse(value) as { data?: { eventTime?: unknown } } | null)?.data?.eventTime;
    const ms = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    return Number.isNaN(ms) ? null : ms;
  } catch {
    return null;
  }
};
