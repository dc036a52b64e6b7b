/** What the counters need of an ioredis client. */
export interface CounterRedis {
  pipeline(): CounterPipeline;
}
interface CounterPipeline {
  incrby(key: string, increment: number): unknown;
  pexpire(key: string, milliseconds: number): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** One key's count in its current window, as this instance knows it. */
interface Count {
  window: number;
  /** The deployment's total as Redis last answered it (this instance's sent counts included). */
  settled: number;
  /** Sent to Redis, answer not back yet. */
  sending: number;
  /** Counted here since, not sent yet. */
  pending: number;
  /** When this instance last counted or read it: settlements refresh it for REFRESH_MS after. */
  usedAt: number;
}

/** How long after its last use a count keeps being settled (so that it learns the others' requests). */
export const REFRESH_MS = 1_000;

/** The shape of the answers @fastify/rate-limit expects of a store. */
type Answer = (error: Error | null, result: { current: number; ttl: number }) => void;

/**
 * Request counts per key and fixed window (aligned to the epoch), shared by a
 * deployment's instances through Redis without a round trip per request: each instance
 * counts locally and settles every `syncMs` (one pipeline of `INCRBY` for every key it
 * counted or read within REFRESH_MS), and answers from the last settled total plus what
 * it counted since. Another instance's requests are seen up to about `syncMs` late, so a
 * budget can be overrun by what the other instances admit in that time (as Kong's
 * `sync_rate`); one not used here for longer than REFRESH_MS is learned at its next use. While
 * Redis does not answer, each instance goes on counting on its own and sends its counts
 * once Redis is back: budgets hold per instance meanwhile rather than not at all.
 *
 * A store for @fastify/rate-limit (`store`): construct with `new`, `incr`, `read` and `child`.
 */
export const sharedCounterStore = (redis: CounterRedis, options: { prefix: string; syncMs: number; now?: () => number }) => {
  const { prefix, syncMs } = options;
  const now = options.now ?? Date.now;
  const counts = new Map<string, Count & { timeWindow: number }>();
  let timer: NodeJS.Timeout | null = null;

  const countOf = (key: string, timeWindow: number) => {
    const window = Math.floor(now() / timeWindow);
    let count = counts.get(key);
    if (count === undefined || count.window !== window || count.timeWindow !== timeWindow) {
      count = { window, timeWindow, settled: 0, sending: 0, pending: 0, usedAt: 0 };
      counts.set(key, count);
    }
    count.usedAt = now();
    schedule();
    return count;
  };
  const answer = (count: Count & { timeWindow: number }, done: Answer) =>
    done(null, { current: count.settled + count.sending + count.pending, ttl: (count.window + 1) * count.timeWindow - now() });

  const schedule = () => {
    timer ??= setTimeout(() => void settle(), syncMs).unref();
  };
  const settle = async () => {
    timer = null;
    const batch: { key: string; count: Count & { timeWindow: number }; sent: number }[] = [];
    const pipeline = redis.pipeline();
    for (const [key, count] of counts) {
      if (count.window !== Math.floor(now() / count.timeWindow)) {
        if (count.sending === 0) counts.delete(key); // a past window: nothing more to learn
        continue;
      }
      if (count.pending === 0 && now() - count.usedAt > REFRESH_MS) continue;
      const sent = count.pending;
      count.pending = 0;
      count.sending += sent;
      const redisKey = `${prefix}${key}:${count.window}`;
      pipeline.incrby(redisKey, sent);
      pipeline.pexpire(redisKey, (count.window + 1) * count.timeWindow - now() + syncMs + 1_000);
      batch.push({ key, count, sent });
    }
    if (batch.length === 0) return;
    schedule();
    const answers = await pipeline.exec().catch(() => null);
    batch.forEach(({ count, sent }, i) => {
      count.sending -= sent;
      const [error, total] = answers?.[2 * i] ?? [new Error('no answer'), null];
      if (error === null && typeof total === 'number') count.settled = Math.max(count.settled, total);
      // Not counted in Redis: sent again with the next settlement.
      else count.pending += sent;
    });
  };

  class SharedCounterStore {
    incr(key: string, done: Answer, timeWindow: number): void {
      const count = countOf(key, timeWindow);
      count.pending++;
      answer(count, done);
    }
    read(key: string, done: Answer, timeWindow: number): void {
      answer(countOf(key, timeWindow), done);
    }
    /** Limits of other routes or of createRateLimit count under keys of their own (their key generators'), in the same counts. */
    child(): SharedCounterStore {
      return this;
    }
  }
  return SharedCounterStore;
};
