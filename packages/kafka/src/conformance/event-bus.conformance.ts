import { beforeAll, afterAll, describe, it } from 'vitest';
import { readDlqHeaders, toDlqMessage } from '../dlq.js';
import type {
  BatchHandler,
  BatchOutcome,
  BusMessage,
  EventBus,
  OutgoingMessage,
  PartitionBatch,
  SubscribeOptions,
  Subscription,
  TopicPartition,
} from '../event-bus.js';

export interface ConformanceSetup {
  bus: EventBus;
  /** A second client of the same cluster, e.g. for a second member of one group. */
  newBus(): Promise<EventBus>;
  /** A name no other test uses; also used for group ids. */
  topic(prefix: string): string;
}

/**
 * The behaviour segflow relies on from any EventBus adapter, as one vitest suite.
 * Every case creates its own topics and groups, so cases run concurrently; the suite
 * closes every bus it was given once it is done.
 */
export const describeEventBusConformance = (name: string, setup: () => Promise<ConformanceSetup>): void => {
  describe.concurrent(`${name} (event bus conformance)`, { timeout: 60_000 }, () => {
    let ctx: ConformanceSetup;
    const extraBuses: EventBus[] = [];

    beforeAll(async () => {
      ctx = await setup();
    }, 120_000);

    afterAll(async () => {
      await Promise.all(extraBuses.map((b) => b.close()));
      await ctx?.bus.close();
    }, 120_000);

    const newBus = async (): Promise<EventBus> => {
      const bus = await ctx.newBus();
      extraBuses.push(bus);
      return bus;
    };

    // Subscribes and makes sure the subscription is stopped when the test ends, pass or fail.
    const subscriber =
      (onTestFinished: (fn: () => Promise<void>) => void) =>
      async (bus: EventBus, options: SubscribeOptions): Promise<Subscription> => {
        const sub = await bus.subscribe(options);
        onTestFinished(() => sub.stop());
        return sub;
      };

    const newTopic = async (prefix: string, partitions: number): Promise<string> => {
      const topic = ctx.topic(prefix);
      await ctx.bus.createTopics([{ topic, partitions }]);
      return topic;
    };

    it('delivers everything published, preserving order per key', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('order', 3);
      await ctx.bus.createTopics([{ topic, partitions: 5 }]); // existing topics are left as they are
      const keys = ['key-a', 'key-b', 'key-c'];
      const published: OutgoingMessage[] = [];
      for (let seq = 0; seq < 50; seq++) {
        for (const key of keys) published.push({ key, value: `${key}:${seq}`, headers: { seq: String(seq) } });
      }
      const before = Date.now();
      for (let i = 0; i < published.length; i += 30) await ctx.bus.publish(topic, published.slice(i, i + 30));

      const rec = recorder();
      await subscribe(ctx.bus, { groupId: ctx.topic('order-group'), topics: [topic], handler: rec.handler, maxBatchSize: 20 });
      await waitFor('all 150 messages', () => rec.messages.length >= 150);

      expect(rec.messages).toHaveLength(150);
      for (const key of keys) {
        const values = rec.messages.filter((m) => m.key === key).map((m) => m.value?.toString());
        expect(values).toEqual(range(50).map((seq) => `${key}:${seq}`));
        expect(new Set(rec.messages.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
      }
      for (const batch of rec.batches) {
        expect(batch.messages.length).toBeGreaterThan(0);
        expect(batch.messages.length).toBeLessThanOrEqual(20);
        expect(batch.messages.every((m) => m.topic === topic && m.partition === batch.partition)).toBe(true);
        expect(batch.messages.every((m, i, all) => i === 0 || m.offset === (all[i - 1] as BusMessage).offset + 1n)).toBe(true);
      }
      const first = rec.messages.find((m) => m.value?.toString() === 'key-b:7') as BusMessage;
      expect(first.topic).toBe(topic);
      expect(first.partition).toBeLessThan(3);
      expect(typeof first.offset).toBe('bigint');
      expect(first.headers).toEqual({ seq: '7' });
      expect(first.timestamp).toBeGreaterThanOrEqual(before - 1_000);
      expect(first.timestamp).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    it('gives every message to each of two groups', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('groups', 2);
      await ctx.bus.publish(topic, range(20).map((i) => ({ key: `k${i}`, value: `v${i}` })));

      const a = recorder();
      const b = recorder();
      await Promise.all([
        subscribe(ctx.bus, { groupId: ctx.topic('group-a'), topics: [topic], handler: a.handler }),
        subscribe(ctx.bus, { groupId: ctx.topic('group-b'), topics: [topic], handler: b.handler }),
      ]);
      await waitFor('both groups to receive 20 messages', () => a.messages.length >= 20 && b.messages.length >= 20);

      const expected = range(20).map((i) => `v${i}`).sort();
      expect(values(a.messages).sort()).toEqual(expected);
      expect(values(b.messages).sort()).toEqual(expected);
    });

    it('splits the partitions between two members of one group', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('members', 4);
      const groupId = ctx.topic('members-group');
      const a = recorder();
      const b = recorder();
      const subA = await subscribe(ctx.bus, { groupId, topics: [topic], handler: a.handler });
      const subB = await subscribe(await newBus(), { groupId, topics: [topic], handler: b.handler });
      await waitFor('both members to be ready', () => subA.ready && subB.ready);

      await ctx.bus.publish(topic, range(40).map((i) => ({ key: `customer-${i}`, value: `v${i}` })));
      await waitFor('40 messages across the members', () => new Set(values([...a.messages, ...b.messages])).size >= 40);

      expect(a.messages.length + b.messages.length).toBe(40);
      const partitionsA = new Set(a.messages.map((m) => m.partition));
      const partitionsB = new Set(b.messages.map((m) => m.partition));
      expect(partitionsA.size).toBeGreaterThan(0);
      expect(partitionsB.size).toBeGreaterThan(0);
      expect([...partitionsA].filter((p) => partitionsB.has(p))).toEqual([]);

      // When one member leaves, the other takes over all partitions.
      await subB.stop();
      const [aBefore, bBefore] = [a.messages.length, b.messages.length];
      await ctx.bus.publish(topic, range(40, 80).map((i) => ({ key: `customer-${i}`, value: `v${i}` })));
      await waitFor('the remaining member to get the next 40', () => a.messages.length >= aBefore + 40);

      expect(values(a.messages.slice(aBefore)).sort()).toEqual(range(40, 80).map((i) => `v${i}`).sort());
      expect(b.messages).toHaveLength(bBefore);
    });

    it('stops only once the batch in flight has settled, and delivers nothing after', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('stop', 1);
      await ctx.bus.publish(topic, range(10).map((i) => ({ key: 'k', value: `m${i}` })));

      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      let settled = false;
      const sub = await subscribe(ctx.bus, {
        groupId: ctx.topic('stop-group'),
        topics: [topic],
        maxBatchSize: 2,
        handler: async (batch) => {
          calls++;
          await held;
          settled = true;
          return done(batch);
        },
      });
      await waitFor('the first batch', () => calls === 1);

      let stopped = false;
      const stopping = sub.stop().then(() => (stopped = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stopped).toBe(false);
      release();
      await stopping;

      expect(settled).toBe(true);
      const callsAtStop = calls;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(calls).toBe(callsAtStop);
      expect(calls).toBe(1);
    });

    it('redelivers what a crashed member applied but never committed', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('crash', 1);
      const groupId = ctx.topic('crash-group');
      // Two publishes, so the second half is a separate record batch on a real broker.
      await ctx.bus.publish(topic, range(5).map((i) => ({ key: 'k', value: `m${i}` })));
      await ctx.bus.publish(topic, range(5, 10).map((i) => ({ key: 'k', value: `m${i}` })));

      const applied: bigint[] = [];
      let crashes = 0;
      const crashing = await subscribe(ctx.bus, {
        groupId,
        topics: [topic],
        maxBatchSize: 5,
        retry: { initialMs: 50, maxMs: 200 },
        handler: async (batch) => {
          applied.push(...offsets(batch.messages));
          if (firstOffset(batch) < 5n) return done(batch);
          crashes++;
          throw new Error('crashed before commit');
        },
      });
      await waitFor('the second batch to fail', () => crashes >= 1);
      await crashing.stop();

      const rec = recorder();
      await subscribe(ctx.bus, { groupId, topics: [topic], handler: rec.handler, maxBatchSize: 5 });
      await waitFor('the uncommitted messages again', () => rec.messages.length >= 5);

      expect(applied.slice(0, 10)).toEqual(range(10).map(BigInt));
      expect(offsets(rec.messages)).toEqual([5n, 6n, 7n, 8n, 9n]);
      expect(values(rec.messages)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    });

    it('starts each partition at the offset startOffsets returns, else at the earliest', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const stored = await newTopic('start-stored', 1);
      const fresh = await newTopic('start-fresh', 1);
      await ctx.bus.publish(stored, range(10).map((i) => ({ key: 'k', value: `s${i}` })));
      await ctx.bus.publish(fresh, range(10).map((i) => ({ key: 'k', value: `f${i}` })));

      const asked: TopicPartition[][] = [];
      const rec = recorder();
      await subscribe(ctx.bus, {
        groupId: ctx.topic('start-group'),
        topics: [stored, fresh],
        handler: rec.handler,
        startOffsets: async (assigned) => {
          asked.push(assigned);
          // As slow as a database: nothing may be delivered from elsewhere meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 300));
          return new Map([[`${stored}:0`, 5n]]);
        },
      });
      await waitFor('15 messages', () => rec.messages.length >= 15);

      expect(asked[0]?.slice().sort((x, y) => x.topic.localeCompare(y.topic))).toEqual(
        [
          { topic: stored, partition: 0 },
          { topic: fresh, partition: 0 },
        ].sort((x, y) => x.topic.localeCompare(y.topic)),
      );
      expect(offsets(rec.messages.filter((m) => m.topic === stored))).toEqual([5n, 6n, 7n, 8n, 9n]);
      expect(offsets(rec.messages.filter((m) => m.topic === fresh))).toEqual(range(10).map(BigInt));
    });

    it('resumes from the offset a handler seeks to', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('seek', 1);
      await ctx.bus.publish(topic, range(10).map((i) => ({ key: 'k', value: `m${i}` })));

      const starts: bigint[] = [];
      const applied: bigint[] = [];
      let sought = false;
      await subscribe(ctx.bus, {
        groupId: ctx.topic('seek-group'),
        topics: [topic],
        maxBatchSize: 4,
        handler: async (batch) => {
          starts.push(firstOffset(batch));
          if (!sought && firstOffset(batch) === 4n) {
            sought = true;
            return { kind: 'seek', offset: 2n };
          }
          applied.push(...offsets(batch.messages));
          return done(batch);
        },
      });
      await waitFor('the last message', () => applied.includes(9n));

      expect(starts.slice(0, 3)).toEqual([0n, 4n, 2n]);
      expect(applied).toEqual([0n, 1n, 2n, 3n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
    });

    it('redelivers a batch whose handler failed, while other partitions keep flowing', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('transient', 2);
      await ctx.bus.publish(topic, range(20).map((i) => ({ key: `customer-${i}`, value: `v${i}` })));

      let failing: number | undefined;
      const attempts: bigint[][] = [];
      const attemptedAt: number[] = [];
      let otherAtRecovery = -1;
      const rec = recorder();
      await subscribe(ctx.bus, {
        groupId: ctx.topic('transient-group'),
        topics: [topic],
        retry: { initialMs: 200, maxMs: 2_000 },
        handler: async (batch) => {
          failing ??= batch.partition;
          if (batch.partition === failing && attempts.length < 3) {
            attempts.push(offsets(batch.messages));
            attemptedAt.push(Date.now());
            if (attempts.length < 3) throw new Error('database unavailable');
            otherAtRecovery = rec.messages.filter((m) => m.partition !== failing).length;
          }
          return rec.handler(batch);
        },
      });
      await waitFor('all 20 messages', () => rec.messages.length >= 20);

      expect(attempts).toHaveLength(3);
      expect(attempts[1]).toEqual(attempts[0]);
      expect(attempts[2]).toEqual(attempts[0]);
      // Backoff doubles from initialMs (timer slack tolerated).
      const [t0, t1, t2] = attemptedAt as [number, number, number];
      expect(t1 - t0).toBeGreaterThanOrEqual(180);
      expect(t2 - t1).toBeGreaterThanOrEqual(380);
      const other = rec.messages.filter((m) => m.partition !== failing);
      expect(other.length, 'the 20 keys should spread over both partitions').toBeGreaterThan(0);
      expect(otherAtRecovery, 'other partition delivered while this one was failing').toBeGreaterThan(0);
      expect(values(rec.messages).sort()).toEqual(range(20).map((i) => `v${i}`).sort());
    });

    it('reports a partition whose batches keep failing as retrying, until one succeeds', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('retrying', 1);
      await ctx.bus.publish(topic, [{ key: 'k', value: 'v' }]);
      let healthy = false;
      const seen: number[] = [];
      const sub = await subscribe(ctx.bus, {
        groupId: ctx.topic('retrying-group'),
        topics: [topic],
        retry: { initialMs: 50, maxMs: 100 },
        handler: async (batch) => {
          if (!healthy) throw new Error('database unavailable');
          seen.push(batch.messages.length);
          return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
        },
      });
      const startedAt = Date.now();
      await waitFor('three failed attempts', () => (sub.retrying()[0]?.attempts ?? 0) >= 3);
      const [retry] = sub.retrying();
      expect(retry).toMatchObject({ topic, partition: 0 });
      expect(retry!.since).toBeGreaterThanOrEqual(startedAt - 1_000);
      healthy = true;
      await waitFor('the batch delivered', () => seen.length > 0);
      expect(sub.retrying()).toEqual([]);
    });

    it('carries the original bytes, reason and origin through a DLQ topic', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const source = await newTopic('dlq-source', 1);
      const dlq = await newTopic('dlq', 1);
      const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
      const failedAt = new Date('2025-01-02T03:04:05.678Z');
      await ctx.bus.publish(source, [{ key: 'customer-1', value: bytes, headers: { 'x-trace-id': 'trace-1' } }]);

      const originals: BusMessage[] = [];
      const dead = recorder();
      await subscribe(ctx.bus, {
        groupId: ctx.topic('dlq-group'),
        topics: [source, dlq],
        handler: async (batch) => {
          if (batch.topic === dlq) return dead.handler(batch);
          originals.push(...batch.messages);
          const reason = { reason: 'schema', errors: [{ path: ['amount'], message: 'Required' }] };
          await ctx.bus.publish(dlq, batch.messages.map((m) => toDlqMessage(m, reason, failedAt)));
          return done(batch);
        },
      });
      await waitFor('the dead-lettered message', () => dead.messages.length >= 1);

      const [message] = dead.messages as [BusMessage];
      const [original] = originals as [BusMessage];
      expect(message.key).toBe('customer-1');
      expect(message.value).toEqual(bytes);
      expect(message.headers['x-trace-id']).toBe('trace-1');
      expect(readDlqHeaders(message)).toEqual({
        reason: 'schema',
        errors: [{ path: ['amount'], message: 'Required' }],
        originTopic: source,
        originPartition: original.partition,
        originOffset: original.offset,
        failedAt,
      });
    });

    it('reports where a group stands on each partition, with or without members', async ({ expect, onTestFinished }) => {
      const subscribe = subscriber(onTestFinished);
      const topic = await newTopic('lag', 2);
      const groupId = ctx.topic('lag-group');
      await ctx.bus.publish(topic, range(12).map((i) => ({ key: `customer-${i}`, value: `v${i}` })));

      const before = await ctx.bus.groupOffsets(groupId, [topic]);
      expect(before.map((p) => p.partition)).toEqual([0, 1]);
      expect(before.every((p) => p.topic === topic && p.committed === null && p.start === 0n)).toBe(true);
      expect(before.reduce((sum, p) => sum + p.end, 0n)).toBe(12n);

      const rec = recorder();
      const sub = await subscribe(ctx.bus, { groupId, topics: [topic], handler: rec.handler });
      await waitFor('all 12 messages', () => rec.messages.length >= 12);
      expect(sub.failed).toBe(false);
      await sub.stop();
      expect(sub.failed).toBe(false);

      // The commit follows the handler; after stop() it has happened.
      const after = await ctx.bus.groupOffsets(groupId, [topic]);
      expect(after.map((p) => [p.partition, p.committed ?? 0n])).toEqual(before.map((p) => [p.partition, p.end]));
      await expect(ctx.bus.groupOffsets(groupId, [ctx.topic('no-such-topic')])).rejects.toThrow();
    });
  });
};

interface Recorder {
  batches: PartitionBatch[];
  messages: BusMessage[];
  handler: BatchHandler;
}

// Applies every batch and reports it done, remembering what it saw.
const recorder = (): Recorder => {
  const rec: Recorder = {
    batches: [],
    messages: [],
    handler: async (batch) => {
      rec.batches.push(batch);
      rec.messages.push(...batch.messages);
      return done(batch);
    },
  };
  return rec;
};

const done = (batch: PartitionBatch): BatchOutcome => {
  const last = batch.messages[batch.messages.length - 1];
  if (!last) throw new Error('empty batch delivered');
  return { kind: 'done', nextOffset: last.offset + 1n };
};

const firstOffset = (batch: PartitionBatch): bigint => {
  const first = batch.messages[0];
  if (!first) throw new Error('empty batch delivered');
  return first.offset;
};

const offsets = (messages: BusMessage[]): bigint[] => messages.map((m) => m.offset);
const values = (messages: BusMessage[]): string[] => messages.map((m) => m.value?.toString() ?? '');
const range = (from: number, to?: number): number[] =>
  to === undefined ? Array.from({ length: from }, (_, i) => i) : Array.from({ length: to - from }, (_, i) => from + i);

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
const waitFor = async (what: string, condition: () => boolean, timeoutMs = 45_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
