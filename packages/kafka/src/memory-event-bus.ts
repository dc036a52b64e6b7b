import { silentLogger } from './bus-logger.js';
import type { BusLogger } from './bus-logger.js';
import { partitionKey } from './event-bus.js';
import type {
  BatchOutcome,
  BusMessage,
  EventBus,
  OutgoingMessage,
  PartitionBatch,
  PartitionRetry,
  PartitionOffsets,
  SubscribeOptions,
  Subscription,
  TopicPartition,
  TopicSpec,
} from './event-bus.js';

/**
 * The shared state of an in-memory "cluster": topics, logs, groups and committed offsets.
 * Several buses created over one broker behave like several clients of one Kafka cluster.
 */
export interface MemoryBroker {
  readonly topics: Map<string, BusMessage[][]>;
  readonly groups: Map<string, Group>;
}

export interface MemoryEventBusOptions {
  /** Share a broker between buses (e.g. two members of one group); a fresh one by default. */
  broker?: MemoryBroker;
  /** Partitions of a topic created implicitly by publish or subscribe (default 3). */
  defaultPartitions?: number;
  /** How often an idle subscription looks for new messages (default 5 ms). */
  pollIntervalMs?: number;
  logger?: BusLogger;
}

interface Member {
  readonly options: SubscribeOptions;
  running: boolean;
  ready: boolean;
  failed: boolean;
  /** null while the group rebalances: nothing is delivered then. */
  assignment: TopicPartition[] | null;
  positions: Map<string, bigint>;
  retryAt: Map<string, number>;
  failures: Map<string, PartitionRetry>;
  /** Settles when the handler call in progress (if any) has settled. */
  inFlight: Promise<void>;
  loop: Promise<void>;
}

interface Group {
  members: Member[];
  committed: Map<string, bigint>;
  /** Rebalances run one after the other. */
  rebalancing: Promise<void>;
}

const DEFAULT_RETRY = { initialMs: 200, maxMs: 10_000 };
const DEFAULT_MAX_BATCH = 500;

/** Creates the state an in-memory bus runs on; pass it to several buses to share topics and groups. */
export const createMemoryBroker = (): MemoryBroker => ({ topics: new Map(), groups: new Map() });

/**
 * An EventBus held in memory, with Kafka's semantics where segflow relies on them:
 * key-hashed partitions with per-partition order, bigint offsets from 0n, consumer groups
 * whose partitions are spread over live members and reassigned when one stops (after its
 * batch in flight settles), offsets committed per group only on `done`, `startOffsets` and
 * `seek` honoured, and failed batches redelivered after an exponential backoff while other
 * partitions keep flowing. Delivery is asynchronous (a poll loop per subscription).
 */
export const createMemoryEventBus = (options: MemoryEventBusOptions = {}): EventBus => {
  const broker = options.broker ?? createMemoryBroker();
  const defaultPartitions = options.defaultPartitions ?? 3;
  const pollMs = options.pollIntervalMs ?? 5;
  const logger = options.logger ?? silentLogger;
  const roundRobin = new Map<string, number>();
  const own = new Set<Subscription>();
  let closed = false;

  const ensureTopic = (topic: string, partitions = defaultPartitions): BusMessage[][] => {
    let logs = broker.topics.get(topic);
    if (!logs) {
      logs = Array.from({ length: partitions }, () => []);
      broker.topics.set(topic, logs);
    }
    return logs;
  };

  const choosePartition = (topic: string, key: string | null, count: number): number => {
    if (key !== null) return fnv1a(key) % count;
    // Like Kafka's default partitioner, keyless messages are spread round-robin.
    const next = roundRobin.get(topic) ?? 0;
    roundRobin.set(topic, next + 1);
    return next % count;
  };

  const publish = async (topic: string, messages: OutgoingMessage[]): Promise<void> => {
    assertOpen();
    const logs = ensureTopic(topic);
    const timestamp = Date.now();
    for (const m of messages) {
      const partition = choosePartition(topic, m.key, logs.length);
      const log = logs[partition] as BusMessage[];
      log.push({
        topic,
        partition,
        offset: BigInt(log.length),
        key: m.key,
        value: Buffer.from(m.value),
        headers: { ...m.headers },
        timestamp,
      });
    }
    // Resolve on a later tick, as an acknowledgement from a broker would.
    await Promise.resolve();
  };

  const groupOf = (groupId: string): Group => {
    let group = broker.groups.get(groupId);
    if (!group) {
      group = { members: [], committed: new Map(), rebalancing: Promise.resolve() };
      broker.groups.set(groupId, group);
    }
    return group;
  };

  const requestRebalance = (group: Group): Promise<void> => {
    group.rebalancing = group.rebalancing.then(() => rebalance(group));
    return group.rebalancing;
  };

  const rebalance = async (group: Group): Promise<void> => {
    const members = group.members.filter((m) => m.running);
    // Stop delivery, then let batches in flight settle, as Kafka's eager rebalance does.
    for (const m of members) m.assignment = null;
    await Promise.all(members.map((m) => m.inFlight));

    const assigned = new Map<Member, TopicPartition[]>(members.map((m) => [m, []]));
    const topics = [...new Set(members.flatMap((m) => m.options.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const candidates = members.filter((m) => m.options.topics.includes(topic));
      const count = ensureTopic(topic).length;
      for (let partition = 0; partition < count; partition++) {
        const owner = candidates[turn++ % candidates.length] as Member;
        assigned.get(owner)?.push({ topic, partition });
      }
    }
    await Promise.all(members.map((m) => startMember(group, m, assigned.get(m) ?? [])));
  };

  const startMember = async (group: Group, m: Member, tps: TopicPartition[]): Promise<void> => {
    const positions = new Map<string, bigint>();
    for (const tp of tps) positions.set(partitionKey(tp), group.committed.get(partitionKey(tp)) ?? 0n);
    const fromStore = await startOffsetsWithRetry(m, tps);
    if (!m.running) return;
    for (const tp of tps) {
      const offset = fromStore.get(partitionKey(tp));
      if (offset !== undefined) positions.set(partitionKey(tp), offset);
    }
    m.positions = positions;
    m.retryAt.clear();
    m.failures.clear();
    m.assignment = tps;
    m.ready = true;
  };

  // The store behind startOffsets may be down; keep the partitions idle until it answers.
  const startOffsetsWithRetry = async (m: Member, tps: TopicPartition[]): Promise<Map<string, bigint>> => {
    const startOffsets = m.options.startOffsets;
    if (!startOffsets) return new Map();
    for (let attempt = 1; m.running; attempt++) {
      try {
        return await startOffsets(tps);
      } catch (error) {
        const delay = backoff(m.options, attempt);
        logger.error({ err: error, groupId: m.options.groupId, attempt, retryInMs: delay }, 'startOffsets failed; retrying');
        await sleep(delay);
      }
    }
    return new Map();
  };

  const nextBatch = (m: Member, from: number): { batch: PartitionBatch; index: number } | null => {
    const tps = m.assignment;
    if (!tps || tps.length === 0) return null;
    const now = Date.now();
    const max = m.options.maxBatchSize ?? DEFAULT_MAX_BATCH;
    // Start after the partition served last, so one busy partition cannot starve the others.
    for (let i = 0; i < tps.length; i++) {
      const index = (from + i) % tps.length;
      const tp = tps[index] as TopicPartition;
      const key = partitionKey(tp);
      if ((m.retryAt.get(key) ?? 0) > now) continue;
      const log = ensureTopic(tp.topic)[tp.partition] ?? [];
      const position = Number(m.positions.get(key) ?? 0n);
      const start = Math.max(position, 0);
      if (start >= log.length) continue;
      const messages = log.slice(start, start + max).map(copyMessage);
      return { batch: { topic: tp.topic, partition: tp.partition, messages }, index };
    }
    return null;
  };

  const deliver = async (group: Group, m: Member, batch: PartitionBatch): Promise<void> => {
    const key = partitionKey(batch);
    let outcome: BatchOutcome;
    try {
      outcome = await m.options.handler(batch);
    } catch (error) {
      // Transient failure: nothing committed, position unchanged, this partition waits.
      const previous = m.failures.get(key);
      const attempt = (previous?.attempts ?? 0) + 1;
      const delay = backoff(m.options, attempt);
      m.failures.set(key, { topic: batch.topic, partition: batch.partition, attempts: attempt, since: previous?.since ?? Date.now() });
      m.retryAt.set(key, Date.now() + delay);
      logger.error(
        { err: error, groupId: m.options.groupId, topic: batch.topic, partition: batch.partition, offset: batch.messages[0]?.offset.toString(), attempt, retryInMs: delay },
        'batch handler failed; redelivering after backoff',
      );
      return;
    }
    m.failures.delete(key);
    if (outcome.kind === 'seek') {
      m.positions.set(key, outcome.offset);
      return;
    }
    const last = batch.messages[batch.messages.length - 1];
    if (last) m.positions.set(key, last.offset + 1n);
    group.committed.set(key, outcome.nextOffset);
  };

  const runLoop = async (group: Group, m: Member): Promise<void> => {
    let from = 0;
    while (m.running) {
      const next = nextBatch(m, from);
      if (!next) {
        await sleep(pollMs);
        continue;
      }
      from = next.index + 1;
      // Set synchronously with the pick, so a rebalance starting now waits for this call.
      m.inFlight = deliver(group, m, next.batch);
      await m.inFlight;
      // Yield to timers and I/O: a handler that never really waits must not starve the process.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  const subscribe = async (opts: SubscribeOptions): Promise<Subscription> => {
    assertOpen();
    for (const topic of opts.topics) ensureTopic(topic); // Kafka auto-creates subscribed topics too
    const group = groupOf(opts.groupId);
    const member: Member = {
      options: opts,
      running: true,
      ready: false,
      failed: false,
      assignment: null,
      positions: new Map(),
      retryAt: new Map(),
      failures: new Map(),
      inFlight: Promise.resolve(),
      loop: Promise.resolve(),
    };
    group.members.push(member);
    // The loop catches handler failures itself; anything reaching here is a bug that ends it.
    member.loop = runLoop(group, member).catch((error: unknown) => {
      logger.error({ err: error, groupId: opts.groupId }, 'memory consumer loop died');
      member.failed = true;
      member.ready = false;
    });

    let stopped: Promise<void> | null = null;
    const subscription: Subscription = {
      get ready() {
        return member.ready;
      },
      get failed() {
        return member.failed;
      },
      retrying: () => [...member.failures.values()].map((r) => ({ ...r })),
      stop: () => {
        stopped ??= (async () => {
          member.running = false;
          await member.loop;
          group.members = group.members.filter((x) => x !== member);
          own.delete(subscription);
          // The remaining members take over; like leaving a Kafka group, this does not wait for them.
          void requestRebalance(group);
        })();
        return stopped;
      },
    };
    own.add(subscription);
    // Like consumer.run(), resolve once this member has joined and has its assignment.
    await requestRebalance(group);
    return subscription;
  };

  const createTopics = async (specs: TopicSpec[]): Promise<void> => {
    assertOpen();
    for (const spec of specs) ensureTopic(spec.topic, spec.partitions);
    await Promise.resolve();
  };

  const groupOffsets = async (groupId: string, topics: string[]): Promise<PartitionOffsets[]> => {
    assertOpen();
    const committed = broker.groups.get(groupId)?.committed ?? new Map<string, bigint>();
    await Promise.resolve();
    return topics.flatMap((topic) => {
      const logs = broker.topics.get(topic);
      if (!logs) throw new Error(`unknown topic ${topic}`);
      return logs.map((log, partition) => ({
        topic,
        partition,
        committed: committed.get(partitionKey({ topic, partition })) ?? null,
        start: 0n,
        end: BigInt(log.length),
      }));
    });
  };

  const close = async (): Promise<void> => {
    closed = true;
    await Promise.all([...own].map((s) => s.stop()));
  };

  const assertOpen = (): void => {
    if (closed) throw new Error('memory event bus is closed');
  };

  return { publish, subscribe, createTopics, groupOffsets, close };
};

const backoff = (options: SubscribeOptions, attempt: number): number => {
  const { initialMs, maxMs } = options.retry ?? DEFAULT_RETRY;
  return Math.min(initialMs * 2 ** (attempt - 1), maxMs);
};

// Each delivery gets its own copy, as bytes decoded off the wire would be.
const copyMessage = (m: BusMessage): BusMessage => ({
  ...m,
  value: m.value === null ? null : Buffer.from(m.value),
  headers: { ...m.headers },
});

// FNV-1a over the UTF-8 bytes: stable across processes, unlike anything seeded.
const fnv1a = (key: string): number => {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
