import type { EventBus, PartitionOffsets } from '@segflow/kafka';
import { LAG_STATUSES, evaluateLag, observeLag, worstLagStatus } from '@segflow/observability';
import type { LagRules, Logger, PartitionLagState, SegflowMetrics } from '@segflow/observability';
import type { LagSettings } from './base-config.js';
import type { ConsumerLagReport, GroupLagReport, PartitionLagReport } from './lag-report.js';
import type { ConsumerGroupSpec } from './service.js';

export interface LagMonitor {
  /** Polls now, then every `intervalMs` until stop(). */
  start(): void;
  /** Stops polling; resolves once a poll in progress has ended. */
  stop(): Promise<void>;
  /** Reads every group's offsets once and re-evaluates them. Never rejects. */
  poll(): Promise<void>;
  /** The latest evaluation, without I/O. */
  report(): ConsumerLagReport;
}

interface WatchedGroup {
  spec: ConsumerGroupSpec;
  states: Map<string, PartitionLagState>;
  report: GroupLagReport;
}

/**
 * Watches consumer groups: reads their committed and end offsets every `intervalMs`, keeps
 * a window of observations per partition, evaluates it (Burrow-style, see lag-status in
 * @segflow/observability) and sets the gauges `segflow_kafka_consumer_lag`, `…_lag_seconds`
 * and `…_status`. A failed read keeps the last evaluation and reports the error. The clock
 * is injectable for tests.
 */
export const createLagMonitor = (options: {
  bus: Pick<EventBus, 'groupOffsets'>;
  groups: ConsumerGroupSpec[];
  metrics: SegflowMetrics;
  settings: LagSettings;
  log: Logger;
  now?: () => number;
}): LagMonitor => {
  const { bus, metrics, settings, log } = options;
  const now = options.now ?? Date.now;
  const rules: LagRules = { window: settings.window, stoppedAfterMs: settings.stoppedAfterMs };
  const watched: WatchedGroup[] = options.groups.map((spec) => ({
    spec,
    states: new Map(),
    report: { group: spec.groupId, status: 'OK', lag: 0, observedAt: null, partitions: [] },
  }));

  const pollGroup = async (group: WatchedGroup): Promise<void> => {
    const { groupId, topics } = group.spec;
    let offsets: PartitionOffsets[];
    try {
      offsets = await bus.groupOffsets(groupId, topics);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Once per failure streak: the broker may stay away for a while.
      if (group.report.error !== message) log.warn({ err: error, group: groupId }, 'reading consumer group offsets failed');
      group.report = { ...group.report, error: message };
      return;
    }
    const at = now();
    const states = new Map<string, PartitionLagState>();
    const partitions = offsets.map((p): PartitionLagReport => {
      const key = `${p.topic}:${p.partition}`;
      const state = observeLag(group.states.get(key), { at, committed: p.committed ?? p.start, end: p.end }, rules);
      states.set(key, state);
      const { status, lag, lagSeconds } = evaluateLag(state, at, rules);
      return { topic: p.topic, partition: p.partition, committed: p.committed === null ? null : Number(p.committed), end: Number(p.end), lag: Number(lag), lagSeconds, status };
    });
    group.states = states;
    group.report = {
      group: groupId,
      status: worstLagStatus(partitions.map((p) => p.status)),
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      observedAt: new Date(at).toISOString(),
      partitions,
    };
    setGauges(groupId, partitions);
  };

  const setGauges = (group: string, partitions: PartitionLagReport[]): void => {
    const oldest = new Map<string, number>();
    for (const p of partitions) {
      metrics.consumerLag.set({ group, topic: p.topic, partition: p.partition }, p.lag);
      for (const status of LAG_STATUSES) {
        metrics.consumerStatus.set({ group, topic: p.topic, partition: p.partition, status }, status === p.status ? 1 : 0);
      }
      oldest.set(p.topic, Math.max(oldest.get(p.topic) ?? 0, p.lagSeconds));
    }
    for (const [topic, seconds] of oldest) metrics.consumerLagSeconds.set({ group, topic }, seconds);
  };

  let inFlight: Promise<void> | null = null;
  const poll = (): Promise<void> => {
    // One read at a time: a slow broker must not pile up polls.
    inFlight ??= Promise.all(watched.map(pollGroup)).then(
      () => void (inFlight = null),
      () => void (inFlight = null),
    );
    return inFlight;
  };

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  const next = (): void => {
    if (!running) return;
    timer = setTimeout(() => {
      loop = poll().then(next);
    }, settings.intervalMs);
    timer.unref();
  };

  return {
    start: () => {
      if (running || watched.length === 0) return;
      running = true;
      loop = poll().then(next);
    },
    stop: async () => {
      running = false;
      clearTimeout(timer);
      await loop;
    },
    poll,
    report: () => ({ groups: watched.map((g) => g.report) }),
  };
};
