import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@segflow/testkit';
import { redisOptions } from '../src/data-access/redis-options.js';
import { trackedReads } from '../src/data-access/tracked-reads.js';
import type { TrackedReads } from '../src/data-access/tracked-reads.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('trackedReads: copies of Redis hashes that Redis keeps current', () => {
  let redis: Redis;
  let other: Redis;
  let monitor: Redis & { on(event: 'monitor', listener: (time: string, args: string[]) => void): unknown };
  const seen: string[][] = [];
  let reads: TrackedReads | null = null;
  let name: string;

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), redisOptions);
    other = new Redis(inject('redisUrl'));
    monitor = (await new Redis(inject('redisUrl')).monitor()) as typeof monitor;
    monitor.on('monitor', (_time, args) => void seen.push(args));
  });
  afterEach(async () => {
    await reads?.close();
    reads = null;
  });
  afterAll(async () => {
    monitor?.disconnect();
    other?.disconnect();
    redis?.disconnect();
  });

  const open = async () => {
    name = uniqueName('tracked');
    reads = trackedReads(redis, { connectionName: name });
    reads.open();
    await until(() => reads!.tracking(), 'tracking on');
    return reads;
  };
  const readsOf = (key: string) => seen.filter((args) => args[0]?.toLowerCase() === 'hgetall' && args[1] === key).length;
  const idOf = async (connectionName: string) => {
    const line = String(await other.client('LIST')).split('\n').find((l) => l.includes(` name=${connectionName} `));
    return /id=(\d+)/.exec(line ?? '')?.[1];
  };

  it('answers a hash read before from its copy, and a change by another client from Redis', async () => {
    const r = await open();
    const key = `${uniqueName('k')}:{c}`;
    await other.hset(key, 'a', '1');
    expect(await r.hgetall(key)).toEqual({ a: '1' });
    expect(await r.hgetall(key)).toEqual({ a: '1' });
    await until(() => readsOf(key) >= 1, 'the first read seen by MONITOR');
    expect(readsOf(key)).toBe(1);

    await other.hset(key, 'a', '2');
    await until(async () => (await r.hgetall(key)).a === '2', 'the change seen');
    expect(readsOf(key)).toBe(2);
  });

  it('drops what it kept when the invalidation connection drops: a change meanwhile is never hidden', async () => {
    const r = await open();
    const key = `${uniqueName('k')}:{c}`;
    await other.hset(key, 'a', '1');
    expect(await r.hgetall(key)).toEqual({ a: '1' });
    const subscriber = await idOf(`${name}-invalidations`);
    expect(subscriber).toBeDefined();
    await other.client('KILL', 'ID', subscriber!);
    await until(() => !r.tracking(), 'tracking off');
    // Changed while no invalidation can reach this instance.
    await other.hset(key, 'a', '2');
    expect(await r.hgetall(key)).toEqual({ a: '2' });
    await until(() => r.tracking(), 'tracking on again');
    expect(await r.hgetall(key)).toEqual({ a: '2' });
    await other.hset(key, 'a', '3');
    await until(async () => (await r.hgetall(key)).a === '3', 'a change after reconnecting seen');
  });

  it('drops a copy the instance itself wrote over, without waiting for Redis', async () => {
    const r = await open();
    const key = `${uniqueName('k')}:{c}`;
    await other.hset(key, 'a', '1');
    expect(await r.hgetall(key)).toEqual({ a: '1' });
    await redis.hset(key, 'a', '2');
    r.drop([key]);
    expect(await r.hgetall(key)).toEqual({ a: '2' });
  });

  it('drops every copy on a FLUSHDB and keeps tracking on', async () => {
    // A database of its own (15): FLUSHDB empties only it; Redis tells every tracking client.
    const own = new Redis(inject('redisUrl'), { ...redisOptions, db: 15 });
    const writer = new Redis(inject('redisUrl'), { db: 15 });
    name = uniqueName('tracked');
    reads = trackedReads(own, { connectionName: name });
    reads.open();
    try {
      await until(() => reads!.tracking(), 'tracking on');
      const key = `${uniqueName('k')}:{c}`;
      await writer.hset(key, 'a', '1');
      expect(await reads.hgetall(key)).toEqual({ a: '1' });
      await writer.flushdb();
      await writer.hset(key, 'a', '2');
      await until(async () => (await reads!.hgetall(key)).a === '2', 'the value after the flush');
      expect(reads.tracking()).toBe(true);
      await sleep(50); // MONITOR's stream lags the commands a little
      const before = readsOf(key);
      await reads.hgetall(key);
      await sleep(50);
      expect(readsOf(key)).toBe(before); // served from a copy again
    } finally {
      await reads.close();
      reads = null;
      own.disconnect();
      writer.disconnect();
    }
  });

  it('reads from the given client while tracking is not on', async () => {
    const r = trackedReads(redis, { connectionName: uniqueName('tracked') });
    const key = `${uniqueName('k')}:{c}`;
    await other.hset(key, 'a', '1');
    expect(r.tracking()).toBe(false);
    expect(await r.hgetall(key)).toEqual({ a: '1' });
    await other.hset(key, 'a', '2');
    expect(await r.hgetall(key)).toEqual({ a: '2' });
  });
});
