import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, IHeaders, KafkaMessage, LogEntry, Message, Producer } from 'kafkajs';
import { consoleLogger } from './bus-logger.js';
import type { BusLogger } from './bus-logger.js';
import { describePartitions, partitionKey } from './event-bus.js';
import { recordRefusal, runsOfSize } from './sizes.js';
import type {
  BatchOutcome,
  BusMessage,
  EventBus,
  OutgoingMessage,
  PartitionOffsets,
  SubscribeOptions,
  Subscription,
  TopicPartition,
  TopicSpec,
} from './event-bus.js';

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  /** Receives the bus's own logs and kafkajs's warnings and errors. Defaults to stderr. */
  logger?: BusLogger;
}

const DEFAULT_RETRY = { initialMs: 200, maxMs: 10_000 };
const DEFAULT_MAX_BATCH = 2000;
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * An EventBus over kafkajs. The producer is idempotent with acks = -1, so `publish` resolves
 * once all in-sync replicas hold the messages. Each subscription is one consumer with
 * autoCommit off: on assignment it pauses the partitions, seeks them to `startOffsets` and
 * resumes them; a `done` batch is resolved and committed (for lag tools); `seek` moves the
 * partition; a thrown handler pauses only that partition and redelivers the batch after an
 * exponential backoff. Nothing a handler does crashes the process.
 * Connections open lazily; `close()` ends the producer, the admin and every subscription.
 */
export const createKafkaEventBus = (options: KafkaEventBusOptions): EventBus => {
  const logger = options.logger ?? consoleLogger;
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => forwardKafkaLog(logger, entry),
  });

  const newProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  let producer = newProducer();
  let producerConnected = lazy(() => producer.connect());
  const admin: Admin = kafka.admin();
  // One send at a time: kafkajs's idempotent producer can lose track of its sequence
  // numbers when sends overlap across a broker outage (OUT_OF_ORDER_SEQUENCE_NUMBER for
  // every send after it). Should that happen anyway, a new producer (new id) starts over.
  // Publishes that arrive while a send is in flight wait, and go out together in the next
  // one: one produce request (one round trip, one acks = -1 wait) for many callers.
  let queued: QueuedPublish[] = [];
  let draining = false;
  const replaceProducer = async (): Promise<void> => {
    const old = producer;
    producer = newProducer();
    producerConnected = lazy(() => producer.connect());
    await old.disconnect().catch(() => undefined);
  };
  const resetProducer = async (error: unknown): Promise<never> => {
    logger.warn({ err: error }, 'kafka producer lost its sequence; starting a new one');
    await replaceProducer();
    // Retriable: the caller's batch is redelivered and sent by the new producer.
    throw Object.assign(new Error('kafka producer restarted after losing its sequence', { cause: error }), { retriable: true, name: 'KafkaJSProducerRestarted' });
  };
  const adminConnected = lazy(() => admin.connect());
  const subscriptions = new Set<Subscription>();
  let closed = false;

  const assertOpen = (): void => {
    if (closed) throw new Error('kafka event bus is closed');
  };

  const publish = (topic: string, messages: OutgoingMessage[]): Promise<void> => {
    assertOpen();
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      queued.push({ topic, messages, bytes: messages.reduce((n, m) => n + sizeOf(m), 0), resolve, reject });
      if (!draining) void drain();
    });
  };

  const drain = async (): Promise<void> => {
    draining = true;
    while (queued.length > 0) {
      const waiting = queued;
      queued = [];
      for (const group of runsOfSize(waiting, (p) => p.bytes, MAX_REQUEST_BYTES)) await sendGroup(group);
    }
    draining = false;
  };

  // Settles every publish of the group. When the broker refuses a record of a shared
  // request, each publish is sent again alone, so that only the one at fault fails; by a
  // new producer, since the partitions it accepted moved their sequence numbers on.
  const sendGroup = async (group: QueuedPublish[]): Promise<void> => {
    try {
      await producerConnected();
      await (group.length === 1 ? sendAlone(group[0]!) : sendTogether(group));
      for (const p of group) p.resolve();
    } catch (error) {
      if (group.length > 1 && recordRefusal(error) !== null) {
        await replaceProducer();
        for (const p of group) await sendGroup([p]);
        return;
      }
      for (const p of group) p.reject(error);
    }
  };

  const orNewProducer = (error: unknown): Promise<never> =>
    hasType(error, ...PRODUCER_STATE_ERRORS) ? resetProducer(error) : Promise.reject(error);

  // One request per chunk, in order: the broker refuses a record batch above its limit (1 MiB
  // by default), and kafkajs puts all of a partition's messages of one send in one batch.
  const sendAlone = async ({ topic, messages }: QueuedPublish): Promise<void> => {
    for (const chunk of runsOfSize(messages, sizeOf, MAX_REQUEST_BYTES)) {
      await producer.send({ topic, acks: -1, messages: chunk.map(toKafkaMessage) }).catch(orNewProducer);
    }
  };

  // Publishes under MAX_REQUEST_BYTES together; each topic's messages keep the callers' order.
  const sendTogether = async (group: QueuedPublish[]): Promise<void> => {
    const perTopic = new Map<string, Message[]>();
    for (const { topic, messages } of group) {
      const list = perTopic.get(topic) ?? [];
      for (const m of messages) list.push(toKafkaMessage(m));
      perTopic.set(topic, list);
    }
    await producer
      .sendBatch({ acks: -1, topicMessages: [...perTopic].map(([topic, messages]) => ({ topic, messages })) })
      .catch(orNewProducer);
  };

  const createTopics = async (specs: TopicSpec[]): Promise<void> => {
    assertOpen();
    await adminConnected();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return;
    try {
      // Resolves false rather than throwing when another client created them meanwhile.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions })),
      });
    } catch (error) {
      // kafkajs waits out LEADER_NOT_AVAILABLE only; a KRaft broker may first answer
      // UNKNOWN_TOPIC_OR_PARTITION for a topic it has just created. Wait that out here.
      if (!hasType(error, 'UNKNOWN_TOPIC_OR_PARTITION')) throw error;
      await waitForLeaders(admin, missing.map((s) => s.topic));
    }
  };

  const groupOffsets = async (groupId: string, topics: string[]): Promise<PartitionOffsets[]> => {
    assertOpen();
    await adminConnected();
    const [committed, logs] = await Promise.all([
      admin.fetchOffsets({ groupId, topics }),
      Promise.all(topics.map(async (topic) => ({ topic, partitions: await admin.fetchTopicOffsets(topic) }))),
    ]);
    const committedOf = new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, p.offset] as const)));
    return logs.flatMap(({ topic, partitions }) =>
      partitions
        .map((p) => {
          // kafkajs answers '-1' (or nothing) for a partition the group never committed.
          const offset = committedOf.get(`${topic}:${p.partition}`) ?? '-1';
          return { topic, partition: p.partition, committed: offset === '-1' ? null : BigInt(offset), start: BigInt(p.low), end: BigInt(p.high) };
        })
        .sort((a, b) => a.partition - b.partition),
    );
  };

  const subscribe = async (opts: SubscribeOptions): Promise<Subscription> => {
    assertOpen();
    const consumer = kafka.consumer({
      groupId: opts.groupId,
      // Short fetch waits and heartbeats make stop() and rebalances take about a second, not five.
      maxWaitTimeInMs: 1_000,
      heartbeatInterval: 1_000,
      // A member killed without leaving holds its partitions until its session expires: 10 s,
      // not kafkajs's 30 s, so a restarted process is consuming again within seconds.
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
    });
    const subscription = runSubscription(consumer, opts, logger, () => subscriptions.delete(subscription));
    subscriptions.add(subscription);
    try {
      await subscription.started;
    } catch (error) {
      await subscription.stop();
      throw error;
    }
    return subscription;
  };

  const close = async (): Promise<void> => {
    closed = true;
    await Promise.all([...subscriptions].map((s) => s.stop()));
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  };

  return { publish, subscribe, createTopics, groupOffsets, close };
};

/**
 * Drives one kafkajs consumer for one subscription. Per-partition state (backoff timers,
 * failure counts, partitions waiting for their start offsets) lives here.
 */
const runSubscription = (
  consumer: Consumer,
  opts: SubscribeOptions,
  logger: BusLogger,
  onStopped: () => void,
): Subscription & { started: Promise<void> } => {
  const retry = opts.retry ?? DEFAULT_RETRY;
  const maxBatchSize = opts.maxBatchSize ?? DEFAULT_MAX_BATCH;
  const log = { groupId: opts.groupId };
  const failures = new Map<string, { tp: TopicPartition; attempts: number; since: number }>();
  const resumeTimers = new Map<string, NodeJS.Timeout>();
  // Partitions paused until startOffsets answers; a backoff timer must not resume them early.
  const awaitingStart = new Set<string>();
  let generation = 0;
  let ready = false;
  let failed = false;
  let stopping = false;

  // kafkajs throws from pause/resume/seek while a crashed consumer waits to restart;
  // the restart joins the group again, which re-applies start offsets.
  const safely = (what: string, action: () => void): void => {
    try {
      action();
    } catch (error) {
      logger.warn({ ...log, err: error }, `kafka consumer ${what} skipped`);
    }
  };

  const clearTimers = (): void => {
    for (const timer of resumeTimers.values()) clearTimeout(timer);
    resumeTimers.clear();
  };

  const applyStartOffsets = async (
    gen: number,
    startOffsets: NonNullable<SubscribeOptions['startOffsets']>,
    assigned: TopicPartition[],
  ): Promise<void> => {
    // The store behind startOffsets may be down: the partitions stay paused until it answers.
    for (let attempt = 1; gen === generation && !stopping; attempt++) {
      let offsets: Map<string, bigint>;
      try {
        offsets = await startOffsets(assigned);
      } catch (error) {
        const delay = backoff(retry, attempt);
        logger.error({ ...log, err: error, attempt, retryInMs: delay }, 'startOffsets failed; retrying');
        await sleep(delay);
        continue;
      }
      // A newer assignment supersedes this one: its own call takes over.
      if (gen !== generation || stopping) return;
      for (const tp of assigned) {
        const offset = offsets.get(partitionKey(tp));
        if (offset !== undefined) safely('seek', () => consumer.seek({ ...tp, offset: offset.toString() }));
        awaitingStart.delete(partitionKey(tp));
      }
      safely('resume', () => consumer.resume(byTopic(assigned)));
      return;
    }
  };

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    ready = true;
    const gen = ++generation;
    const assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    logger.info({ ...log, assigned: describePartitions(assigned) }, 'partitions assigned');
    // Pausing here, synchronously inside the join, means no fetch happens before the seek:
    // kafkajs emits GROUP_JOIN before its fetch loop starts or resumes. It also clears pauses
    // left over from backoffs of the previous generation, whose timers die here.
    clearTimers();
    failures.clear();
    awaitingStart.clear();
    if (assigned.length === 0) return;
    if (!opts.startOffsets) {
      safely('resume', () => consumer.resume(byTopic(assigned)));
      return;
    }
    for (const tp of assigned) awaitingStart.add(partitionKey(tp));
    safely('pause', () => consumer.pause(byTopic(assigned)));
    void applyStartOffsets(gen, opts.startOffsets, assigned);
  });

  // kafkajs logs crashes (through logCreator) and restarts after retriable ones; after any
  // other (a bug in our loop, a non-retriable broker error) the consumer is gone for good.
  consumer.on(consumer.events.CRASH, (event) => {
    ready = false;
    if (event.payload.restart || stopping) return;
    failed = true;
    logger.error({ ...log, err: event.payload.error }, 'kafka consumer crashed and will not restart');
  });

  const onHandlerFailure = (tp: TopicPartition, firstOffset: bigint, error: unknown): void => {
    const key = partitionKey(tp);
    const previous = failures.get(key);
    const attempt = (previous?.attempts ?? 0) + 1;
    const delay = backoff(retry, attempt);
    failures.set(key, { tp, attempts: attempt, since: previous?.since ?? Date.now() });
    logger.error(
      { ...log, err: error, topic: tp.topic, partition: tp.partition, offset: firstOffset.toString(), attempt, retryInMs: delay },
      'batch handler failed; redelivering after backoff',
    );
    // Pause only this partition (others keep flowing), rewind it to the failed batch.
    consumer.pause(byTopic([tp]));
    consumer.seek({ ...tp, offset: firstOffset.toString() });
    clearTimeout(resumeTimers.get(key));
    const timer = setTimeout(() => {
      resumeTimers.delete(key);
      if (!stopping && !awaitingStart.has(key)) safely('resume', () => consumer.resume(byTopic([tp])));
    }, delay);
    timer.unref();
    resumeTimers.set(key, timer);
  };

  const eachBatch = async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const tp = { topic: batch.topic, partition: batch.partition };
    for (let start = 0; start < batch.messages.length; start += maxBatchSize) {
      // A seek (ours or a rebalance's) or stop() makes the rest of this fetch stale.
      if (stopping || !isRunning() || isStale()) return;
      const raw = batch.messages.slice(start, start + maxBatchSize);
      const messages = raw.map((m) => toBusMessage(tp, m));
      const first = messages[0] as BusMessage;
      const last = messages[messages.length - 1] as BusMessage;

      let outcome: BatchOutcome;
      try {
        outcome = await opts.handler({ ...tp, messages });
      } catch (error) {
        onHandlerFailure(tp, first.offset, error);
        return;
      }
      failures.delete(partitionKey(tp));

      if (outcome.kind === 'seek') {
        consumer.seek({ ...tp, offset: outcome.offset.toString() });
        return;
      }
      resolveOffset(last.offset.toString());
      try {
        // Not consumer.commitOffsets(): once stop() has begun, kafkajs drops that call silently,
        // and the last batch before a graceful shutdown would never reach lag tools.
        await commitOffsetsIfNecessary({ topics: [{ topic: tp.topic, partitions: [{ partition: tp.partition, offset: outcome.nextOffset.toString() }] }] });
      } catch (error) {
        // Only lag tools read this commit; the handler's store already holds the offset.
        logger.warn({ ...log, ...tp, err: error }, 'offset commit to Kafka failed');
      }
      // Lets kafkajs notice a rebalance between sub-batches; it rethrows to rejoin the group.
      await heartbeat();
    }
  };

  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
    // Resolves once this member has joined the group and received its assignment.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: opts.concurrentPartitions ?? 1, eachBatch });
  })();

  let stopped: Promise<void> | null = null;
  return {
    started,
    get ready() {
      return ready;
    },
    get failed() {
      return failed;
    },
    retrying: () => [...failures.values()].map(({ tp, attempts, since }) => ({ ...tp, attempts, since })),
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        ready = false;
        clearTimers();
        // disconnect() first stops the consumer, which waits for the eachBatch in flight.
        await consumer.disconnect();
        onStopped();
      })();
      return stopped;
    },
  };
};

interface QueuedPublish {
  topic: string;
  messages: OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const toKafkaMessage = (m: OutgoingMessage): Message => ({ key: m.key, value: m.value, headers: m.headers });

const sizeOf = (m: OutgoingMessage): number =>
  (m.key === null ? 0 : Buffer.byteLength(m.key)) +
  (typeof m.value === 'string' ? Buffer.byteLength(m.value) : m.value.length) +
  Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);

const toBusMessage = (tp: TopicPartition, m: KafkaMessage): BusMessage => ({
  topic: tp.topic,
  partition: tp.partition,
  offset: BigInt(m.offset),
  key: m.key == null ? null : m.key.toString('utf8'),
  value: m.value,
  headers: decodeHeaders(m.headers),
  timestamp: Number(m.timestamp),
});

// Kafka allows repeated header keys; the port keeps one value per key, the last one.
const decodeHeaders = (headers: IHeaders | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[key] = last.toString();
  }
  return out;
};

const byTopic = (tps: TopicPartition[]): { topic: string; partitions: number[] }[] => {
  const grouped = new Map<string, number[]>();
  for (const { topic, partition } of tps) grouped.set(topic, [...(grouped.get(topic) ?? []), partition]);
  return [...grouped].map(([topic, partitions]) => ({ topic, partitions }));
};

const forwardKafkaLog = (logger: BusLogger, { namespace, level, log }: LogEntry): void => {
  const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
  const entry = { ...fields, kafkajs: namespace };
  const text = String(message);
  if (level === logLevel.ERROR) logger.error(entry, text);
  else if (level === logLevel.WARN) logger.warn(entry, text);
  else logger.info(entry, text);
};

const hasType = (error: unknown, ...types: string[]): boolean =>
  typeof error === 'object' && error !== null && types.includes((error as { type?: unknown }).type as string);

// The idempotent producer's own state went wrong, not the messages: a new producer cures it.
const PRODUCER_STATE_ERRORS = ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'DUPLICATE_SEQUENCE_NUMBER'];

const waitForLeaders = async (admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      const led = found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (found.length === topics.length && led) return;
    } catch (error) {
      if (!hasType(error, 'UNKNOWN_TOPIC_OR_PARTITION') && !hasType(error, 'LEADER_NOT_AVAILABLE')) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leader after ${timeoutMs} ms: ${topics.join(', ')}`);
    await sleep(100);
  }
};

const backoff = (retry: { initialMs: number; maxMs: number }, attempt: number): number =>
  Math.min(retry.initialMs * 2 ** (attempt - 1), retry.maxMs);

/** Runs `fn` once; a failed attempt is forgotten so that the next call tries again. */
const lazy = (fn: () => Promise<void>): (() => Promise<void>) => {
  let pending: Promise<void> | null = null;
  return () => {
    pending ??= fn().catch((error: unknown) => {
      pending = null;
      throw error;
    });
    return pending;
  };
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
