import type { BatchHandler } from '@segflow/kafka';
import type { SegflowMetrics } from '@segflow/observability';

/** Wraps a batch handler to observe `segflow_batch_size` and `segflow_batch_duration_seconds`. */
export const measuredBatches =
  (metrics: SegflowMetrics, service: string, handler: BatchHandler): BatchHandler =>
  async (batch) => {
    metrics.batchSize.observe({ service }, batch.messages.length);
    const end = metrics.batchDurationSeconds.startTimer({ service });
    try {
      return await handler(batch);
    } finally {
      end();
    }
  };
