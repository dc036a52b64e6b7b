import type { SegflowMetrics } from '@segflow/observability';
import { RECEIVED_AT_HEADER } from '@segflow/contracts';

/**
 * The outbox relay's `onPublished` hook for the segment producer: observes
 * `segflow_event_to_segment_seconds{reason}` from when segflow received the cause of each
 * membership change (the `segflow-received-at` header: ingest's receipt of the event, or
 * for a time-driven flip the instant it was due) to its publication; changes with no
 * such cause (backfill, deletion, erasure) are timed from their decision. Timing from the
 * event's own `occurredAt` would put backdated history in the hour buckets.
 */
export const observeEventToSegment =
  (deps: { metrics: SegflowMetrics; membershipTopic: string; now: () => Date }) =>
  (rows: { topic: string; value: string; headers: Record<string, string>; createdAt: Date }[]): void => {
    const now = deps.now().getTime();
    for (const row of rows) {
      if (row.topic !== deps.membershipTopic) continue;
      const received = Date.parse(row.headers[RECEIVED_AT_HEADER] ?? '');
      const from = Number.isNaN(received) ? row.createdAt.getTime() : received;
      deps.metrics.eventToSegmentSeconds.observe({ reason: reasonOf(row.value) }, Math.max(0, now - from) / 1000);
    }
  };

const REASONS = new Set(['event', 'time', 'backfill', 'definition_changed', 'segment_deleted', 'customer_erased', 'merged']);

// A bounded label: one of the contract's reasons, else `unknown`.
const reasonOf = (value: string): string => {
  try {
    const reason: unknown = (JSON.parse(value) as { data?: { reason?: unknown } } | null)?.data?.reason;
    return typeof reason === 'string' && REASONS.has(reason) ? reason : 'unknown';
  } catch {
    return 'unknown';
  }
};
