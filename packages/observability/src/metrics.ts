import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What happened to one input event: applied, recognised as a duplicate, or sent to the DLQ. */
export type EventOutcome = 'applied' | 'duplicate' | 'dlq';

/** A producer's outbox read at scrape time (`readOutboxBacklog` of @segflow/db returns one). */
export interface OutboxReading {
  pending: number;
  /** Rows the relay parked: the broker refuses them, and they wait for an operator. */
  parked?: number;
  /** Age of the oldest pending row; null when none is pending (exported as 0). */
  oldestPendingSeconds?: number | null;
}

/**
 * segflow's Prometheus metrics, defined once (DESIGN §8). One instance per process, passed
 * down as a dependency; a process hosting several services shares it, and the `service`,
 * `group` and `producer` labels tell them apart. No label ever carries a customer id.
 */
export interface SegflowMetrics {
  readonly registry: Registry;
  /** End offset minus committed offset, per partition (refreshed by the lag monitor). */
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  /** Age of the oldest unprocessed message of a topic, over its partitions. */
  readonly consumerLagSeconds: Gauge<'group' | 'topic'>;
  /** The Burrow-style status per partition as a state set: 1 for the current status, 0 for the others. */
  readonly consumerStatus: Gauge<'group' | 'topic' | 'partition' | 'status'>;
  readonly eventsProcessed: Counter<'service' | 'type' | 'outcome'>;
  /** Adds `count` to `segflow_events_processed_total` (typed outcome; zero creates the series). */
  countEvents(service: string, type: string, outcome: EventOutcome, count?: number): void;
  /** From when segflow received the cause of a membership change to its publication, by `reason`. */
  readonly eventToSegmentSeconds: Histogram<'reason'>;
  readonly outboxPending: Gauge<'producer'>;
  readonly outboxParked: Gauge<'producer'>;
  readonly outboxOldestPendingSeconds: Gauge<'producer'>;
  readonly batchSize: Histogram<'service'>;
  readonly batchDurationSeconds: Histogram<'service'>;
  /**
   * Reads a producer's outbox at every scrape, so that a dead relay still shows its
   * backlog: `segflow_outbox_pending`, and from a full reading also `segflow_outbox_parked`
   * and `segflow_outbox_oldest_pending_seconds` (a bare number is the pending count alone).
   * One read per scrape serves the three. Returns a function that stops reading it.
   */
  trackOutbox(producer: string, read: () => Promise<number | OutboxReading>): () => void;
  /** Reads the number of customers whose time-driven re-evaluation is due at each scrape; returns an untrack function. */
  trackSchedulerDue(count: () => Promise<number>): () => void;
  /**
   * Reads every live segment's member count at each scrape, as `segflow_segment_size{segment}`
   * (segment ids are few and not personal; no customer ever labels a series). Returns an
   * untrack function.
   */
  trackSegmentSizes(read: () => Promise<ReadonlyMap<string, number>>): () => void;
  /**
   * Reads a consumer group's partitions that are being retried at each scrape, as
   * `segflow_consumer_retrying_seconds{group,topic,partition}` (how long each has been
   * failing). Returns an untrack function.
   */
  trackRetries(group: string, retrying: () => readonly RetryingPartition[]): () => void;
}

/** A partition whose batches keep failing (the EventBus's `PartitionRetry`). */
export interface RetryingPartition {
  topic: string;
  partition: number;
  /** When it started failing, epoch milliseconds. */
  since: number;
}

/** Event to membership change: from 10 ms (one hop) to an hour (a consumer stalled for a while). */
export const EVENT_TO_SEGMENT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const BATCH_SIZE_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000];
const BATCH_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Creates a registry holding segflow's metrics and, unless `defaultMetrics` is false, the
 * default process metrics (CPU, memory, event loop lag, GC). A tracked outbox reading that
 * has not answered within `scrapeTimeoutMs` (default 1 s) is left out of the scrape, so
 * that `/metrics` answers even when Postgres does not.
 */
export const createMetrics = (options: { defaultMetrics?: boolean; scrapeTimeoutMs?: number } = {}): SegflowMetrics => {
  const scrapeTimeoutMs = options.scrapeTimeoutMs ?? 1_000;
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const outboxReaders = new Map<string, () => Promise<number | OutboxReading>>();
  const dueCounts = new Set<() => Promise<number>>();
  const retryReaders = new Map<string, () => readonly RetryingPartition[]>();
  const sizeReaders = new Set<() => Promise<ReadonlyMap<string, number>>>();

  const eventsProcessed = new Counter({
    name: 'segflow_events_processed_total',
    help: 'Input events handled, by service, event type and outcome (applied, duplicate, dlq).',
    labelNames: ['service', 'type', 'outcome'] as const,
    registers,
  });
  // A scrape collects the outbox gauges together: the read in flight serves all of them.
  let outboxScrape: Promise<[string, OutboxReading | undefined][]> | null = null;
  const readOutboxes = () =>
    (outboxScrape ??= Promise.all(
      [...outboxReaders].map(async ([producer, read]): Promise<[string, OutboxReading | undefined]> => {
        const value = await withTimeout(read(), scrapeTimeoutMs).catch(() => undefined);
        return [producer, typeof value === 'number' ? { pending: value } : value];
      }),
    ).finally(() => (outboxScrape = null)));
  const outboxGauge = (name: string, help: string, pick: (reading: OutboxReading) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['producer'] as const,
      registers,
      async collect() {
        for (const [producer, reading] of await readOutboxes()) {
          const value = reading && pick(reading);
          // An unknown value is absent rather than stale.
          if (value === undefined) this.remove({ producer });
          else this.set({ producer }, value);
        }
      },
    });
  const outboxGauges = [
    outboxGauge('segflow_outbox_pending', 'Outbox rows committed but not yet published, by producer.', (r) => r.pending),
    outboxGauge('segflow_outbox_parked', 'Outbox rows the relay parked because the broker refuses them; they wait for an operator.', (r) => r.parked),
    outboxGauge(
      'segflow_outbox_oldest_pending_seconds',
      'Age of the oldest outbox row not yet published (0 when none), by producer.',
      (r) => (r.oldestPendingSeconds === null ? 0 : r.oldestPendingSeconds),
    ),
  ] as const;
  const [outboxPending, outboxParked, outboxOldestPendingSeconds] = outboxGauges;

  new Gauge({
    name: 'segflow_scheduler_due',
    help: 'Customers whose time-driven re-evaluation is due and not yet done (should stay near 0).',
    registers,
    async collect() {
      if (dueCounts.size === 0) return;
      const values = await Promise.all([...dueCounts].map((count) => withTimeout(count(), scrapeTimeoutMs).catch(() => undefined)));
      if (values.some((v) => v === undefined)) this.reset();
      else this.set(values.reduce<number>((sum, v) => sum + (v ?? 0), 0));
    },
  });

  const segmentSize = new Gauge({
    name: 'segflow_segment_size',
    help: 'Members of each live segment, from its size counters.',
    labelNames: ['segment'] as const,
    registers,
    async collect() {
      if (sizeReaders.size === 0) return;
      const readings = await Promise.all([...sizeReaders].map((read) => withTimeout(read(), scrapeTimeoutMs).catch(() => undefined)));
      // An unknown size is absent rather than stale; a deleted segment's series goes too.
      this.reset();
      for (const sizes of readings) for (const [segment, size] of sizes ?? []) this.set({ segment }, size);
    },
  });

  new Gauge({
    name: 'segflow_consumer_retrying_seconds',
    help: 'How long each partition whose batches keep failing has been retried (absent when none is).',
    labelNames: ['group', 'topic', 'partition'] as const,
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const [group, retrying] of retryReaders) {
        for (const r of retrying()) this.set({ group, topic: r.topic, partition: String(r.partition) }, Math.max(0, now - r.since) / 1000);
      }
    },
  });

  return {
    registry,
    consumerLag: new Gauge({
      name: 'segflow_kafka_consumer_lag',
      help: 'Messages not yet consumed: end offset minus committed offset (the log start when nothing is committed).',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers,
    }),
    consumerLagSeconds: new Gauge({
      name: 'segflow_kafka_consumer_lag_seconds',
      help: 'Age of the oldest unprocessed message of the topic (a lower bound, accurate to one lag poll interval).',
      labelNames: ['group', 'topic'] as const,
      registers,
    }),
    consumerStatus: new Gauge({
      name: 'segflow_kafka_consumer_status',
      help: 'Lag status of a partition (OK, WARNING, STALLED, STOPPED, REWIND): 1 for the current one, else 0.',
      labelNames: ['group', 'topic', 'partition', 'status'] as const,
      registers,
    }),
    eventsProcessed,
    countEvents: (service, type, outcome, count = 1) => eventsProcessed.inc({ service, type, outcome }, count),
    eventToSegmentSeconds: new Histogram({
      name: 'segflow_event_to_segment_seconds',
      help: 'From when segflow received the cause (the event; for reason time, the flip instant; else the decision) to the publication of the membership event.',
      labelNames: ['reason'] as const,
      buckets: EVENT_TO_SEGMENT_BUCKETS,
      registers,
    }),
    outboxPending,
    outboxParked,
    outboxOldestPendingSeconds,
    batchSize: new Histogram({
      name: 'segflow_batch_size',
      help: 'Messages per batch handed to a consumer handler.',
      labelNames: ['service'] as const,
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    }),
    batchDurationSeconds: new Histogram({
      name: 'segflow_batch_duration_seconds',
      help: 'Time a consumer handler took for one batch, transaction included, failed attempts too.',
      labelNames: ['service'] as const,
      buckets: BATCH_DURATION_BUCKETS,
      registers,
    }),
    trackRetries: (group, retrying) => {
      retryReaders.set(group, retrying);
      return () => void (retryReaders.get(group) === retrying && retryReaders.delete(group));
    },
    trackSegmentSizes: (read) => {
      sizeReaders.add(read);
      return () => {
        sizeReaders.delete(read);
        if (sizeReaders.size === 0) segmentSize.reset();
      };
    },
    trackSchedulerDue: (count) => {
      dueCounts.add(count);
      return () => void dueCounts.delete(count);
    },
    trackOutbox: (producer, read) => {
      outboxReaders.set(producer, read);
      return () => {
        if (outboxReaders.get(producer) !== read) return;
        outboxReaders.delete(producer);
        for (const gauge of outboxGauges) gauge.remove({ producer });
      };
    },
  };
};

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};
