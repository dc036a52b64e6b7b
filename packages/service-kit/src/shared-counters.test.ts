import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sharedCounterStore } from './shared-counters.js';
import type { CounterRedis } from './shared-counters.js';

/** A Redis of counters in memory that can be made to fail. */
const fakeRedis = () => {
  const values = new Map<string, number>();
  const state = { down: false, pipelines: 0 };
  const redis: CounterRedis = {
    pipeline: () => {
      const ops: (() => [Error | null, unknown])[] = [];
      return {
        incrby: (key: string, n: number) =>
          void ops.push(() => {
            values.set(key, (values.get(key) ?? 0) + n);
            return [null, values.get(key)];
          }),
        pexpire: () => void ops.push(() => [null, 1]),
        exec: async () => {
          state.pipelines++;
          if (state.down) throw new Error('Connection is closed.');
          return ops.map((op) => op());
        },
      };
    },
  };
  return { redis, values, state };
};

const WINDOW = 60_000;
const SYNC = 100;

describe('sharedCounterStore', () => {
  let clock: number;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 10 * WINDOW + 1_000;
  });
  afterEach(() => vi.useRealTimers());

  const instance = (redis: CounterRedis) => {
    const Store = sharedCounterStore(redis, { prefix: 'p:', syncMs: SYNC, now: () => clock });
    const store = new Store();
    const incr = (key: string) => {
      let answer = { current: -1, ttl: -1 };
      store.incr(key, (_error, result) => void (answer = result), WINDOW);
      return answer;
    };
    const read = (key: string) => {
      let answer = { current: -1, ttl: -1 };
      store.read(key, (_error, result) => void (answer = result), WINDOW);
      return answer;
    };
    return { incr, read };
  };
  const settle = async () => {
    clock += SYNC;
    await vi.advanceTimersByTimeAsync(SYNC);
  };

  it('answers at once from what it counted, and learns the other instances\' counts when it settles', async () => {
    const { redis, values } = fakeRedis();
    const one = instance(redis);
    const two = instance(redis);
    expect([one.incr('k').current, one.incr('k').current, two.incr('k').current]).toEqual([1, 2, 1]);
    expect(one.incr('k').ttl).toBe(WINDOW - 1_000);
    await settle();
    expect(values.get(`p:k:10`)).toBe(4);
    await settle();
    expect([one.read('k').current, two.read('k').current]).toEqual([4, 4]);
    expect(two.incr('k').current).toBe(5);
  });

  it('sends again what a failed settlement did not count, and loses nothing while Redis is away', async () => {
    const { redis, values, state } = fakeRedis();
    const one = instance(redis);
    state.down = true;
    for (let i = 0; i < 3; i++) one.incr('k');
    await settle();
    await settle();
    expect(state.pipelines).toBeGreaterThanOrEqual(2);
    expect(one.read('k').current).toBe(3);
    state.down = false;
    await settle();
    expect(values.get('p:k:10')).toBe(3);
    expect(one.incr('k').current).toBe(4);
  });

  it('starts every window at zero, and stops settling a count nobody uses', async () => {
    const { redis, state } = fakeRedis();
    const one = instance(redis);
    one.incr('k');
    one.incr('k');
    clock = 11 * WINDOW;
    expect(one.incr('k')).toEqual({ current: 1, ttl: WINDOW });
    for (let i = 0; i < 15; i++) await settle(); // REFRESH_MS and more
    const settled = state.pipelines;
    await settle();
    await settle();
    expect(state.pipelines).toBe(settled);
  });
});
