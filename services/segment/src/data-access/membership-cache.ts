import type { Redis } from 'ioredis';
import type { CustomerSegments } from '@segflow/contracts';
import { trackedReads } from './tracked-reads.js';

/** One membership as the cache stores it: the sequence guards against older writes. */
export interface CachedMembership {
  segmentId: string;
  isMember: boolean;
  seq: bigint;
  enteredAt: string | null;
  /** The member's A/B group; null without one. */
  group: string | null;
}

// Entries of an abandoned generation (see below) vanish on their own.
const ENTRY_TTL_SECONDS = 7 * 24 * 3600;
/** How often an instance reads the generation another instance may have moved on. */
export const GENERATION_REFRESH_MS = 1_000;

// Writes each field only if its sequence is newer than the stored one, keeps the latest
// asOf, and marks the hash complete when the caller wrote every membership (a fill from
// Postgres). A hash without the mark is never served: it only holds recent changes.
const GUARDED_WRITE = `
local key = KEYS[1]
if ARGV[1] == '1' then redis.call('HSET', key, '_complete', '1') end
local asOf = redis.call('HGET', key, '_asOf')
if (not asOf) or asOf < ARGV[2] then redis.call('HSET', key, '_asOf', ARGV[2]) end
for i = 3, #ARGV, 2 do
  local current = redis.call('HGET', key, ARGV[i])
  local currentSeq = -1
  if current then currentSeq = tonumber(string.match(current, '^(%d+)|')) end
  local nextSeq = tonumber(string.match(ARGV[i + 1], '^(%d+)|'))
  if nextSeq > currentSeq then redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
end
redis.call('EXPIRE', key, ${ENTRY_TTL_SECONDS})
return 1`;

// Group ids hold no "|" (GroupId); an entry written before groups existed has three fields.
const encode = (m: CachedMembership) => `${m.seq}|${m.isMember ? 1 : 0}|${m.enteredAt ?? ''}|${m.group ?? ''}`;
const decode = (segmentId: string, value: string): CachedMembership | null => {
  const [seq, member, enteredAt, group] = value.split('|');
  if (seq === undefined || member === undefined) return null;
  return { segmentId, seq: BigInt(seq), isMember: member === '1', enteredAt: enteredAt || null, group: group || null };
};

// localeCompare's order, without building a collator per comparison.
const bySegmentId = new Intl.Collator();

type GuardedRedis = Redis & { segflowGuardedWrite(key: string, ...args: string[]): Promise<number> };

/**
 * The Redis read model of "which segments is customer X in". Postgres stays the source
 * of truth: writes happen after commit and never let an older sequence win, reads that
 * miss (or find Redis down) go to Postgres and fill the cache.
 *
 * A write lost while Redis was away (a failed command, or Redis restarted with its data)
 * would leave a complete entry stale for good, so entries live under a generation: once
 * this instance has lost its connection or a write, it serves nothing from the cache
 * until it has moved the shared generation on (`INCR`), which makes every entry of the
 * old one a miss for every instance (each rereads the generation every second).
 */
export const membershipCache = (redis: Redis, namespace: string) => {
  if (!('segflowGuardedWrite' in redis)) redis.defineCommand('segflowGuardedWrite', { numberOfKeys: 1, lua: GUARDED_WRITE });
  const client = redis as GuardedRedis;
  const generationKey = `${namespace}segflow:cache-generation`;
  let generation: string | null = null;
  let refreshedAt = 0;
  let lost = true; // nothing is known to be current until the generation has been read or moved on
  const customerKey = (customerId: string) => `${namespace}segflow:g${generation}:customer:{${customerId}}:segments`;
  const namesKey = () => `${namespace}segflow:g${generation}:segment-names`;

  redis.on('close', () => void (lost = true));

  /** The generation to use now, moving it on first when this instance may have lost writes; null: do not use the cache. */
  const current = async (): Promise<string | null> => {
    if (lost) {
      generation = String(await client.incr(generationKey));
      refreshedAt = Date.now();
      lost = false;
    } else if (generation === null || Date.now() - refreshedAt > GENERATION_REFRESH_MS) {
      generation = (await client.get(generationKey)) ?? '0';
      refreshedAt = Date.now();
    }
    return generation;
  };
  // Hot entries and the names are read from copies Redis keeps current (see trackedReads).
  const tracked = trackedReads(redis);
  const failed = (error: unknown): never => {
    lost = true;
    throw error;
  };

  const write = async (customerId: string, memberships: CachedMembership[], asOf: Date, complete: boolean) => {
    await current();
    const args = memberships.flatMap((m) => [m.segmentId, encode(m)]);
    const key = customerKey(customerId);
    await client.segflowGuardedWrite(key, complete ? '1' : '0', asOf.toISOString(), ...args).catch(failed);
    tracked.drop([key]);
  };

  return {
    /** Starts keeping copies of what is read (connects two more connections). */
    open: tracked.open,
    close: tracked.close,
    /** Records changes decided at `asOf` for many customers in one round trip. */
    recordChanges: async (changes: Map<string, CachedMembership[]>, asOf: Date): Promise<void> => {
      if (changes.size === 0) return;
      await current().catch(failed);
      const pipeline = client.pipeline() as unknown as { segflowGuardedWrite(...args: string[]): void; exec(): Promise<[Error | null, unknown][] | null> };
      const keys: string[] = [];
      for (const [customerId, memberships] of changes) {
        const key = customerKey(customerId);
        keys.push(key);
        pipeline.segflowGuardedWrite(key, '0', asOf.toISOString(), ...memberships.flatMap((m) => [m.segmentId, encode(m)]));
      }
      // exec resolves even when its commands failed: each answer carries its own error.
      const answers = await pipeline.exec().catch(failed);
      tracked.drop(keys);
      const error = answers?.find(([err]) => err !== null)?.[0];
      if (error) failed(error);
    },
    /** Fills a customer's entry with every membership read from Postgres (and their segments' names). */
    fill: async (customerId: string, memberships: (CachedMembership & { name: string })[], asOf: Date) => {
      await current().catch(failed);
      // Only names not stored yet: each write of the names makes every instance reread them.
      const stored = await tracked.hgetall(namesKey()).catch(failed);
      const missing = memberships.filter((m) => stored[m.segmentId] !== m.name);
      if (missing.length > 0) {
        await client.hset(namesKey(), Object.fromEntries(missing.map((m) => [m.segmentId, m.name]))).catch(failed);
        tracked.drop([namesKey()]);
      }
      await write(customerId, memberships, asOf, true);
    },
    /** Forgets customers entirely (erasure). */
    forget: async (customerIds: string[]): Promise<void> => {
      if (customerIds.length === 0) return;
      await current().catch(failed);
      const keys = customerIds.map(customerKey);
      await client.del(...keys).catch(failed);
      tracked.drop(keys);
    },
    setSegmentName: async (segmentId: string, name: string) => {
      await current().catch(failed);
      await client.hset(namesKey(), segmentId, name).catch(failed);
      tracked.drop([namesKey()]);
    },
    /** The cached answer, or null on a miss (never filled, lost, or naming a segment whose name is not cached). */
    read: async (customerId: string): Promise<CustomerSegments | null> => {
      await current();
      const [fields, names] = await Promise.all([tracked.hgetall(customerKey(customerId)), tracked.hgetall(namesKey())]);
      if (fields._complete !== '1') return null;
      const segments: CustomerSegments['segments'] = [];
      for (const [field, value] of Object.entries(fields)) {
        if (field.startsWith('_')) continue;
        const m = decode(field, value);
        if (m === null || !m.isMember) continue;
        const name = Object.hasOwn(names, m.segmentId) ? names[m.segmentId] : undefined;
        if (name === undefined) return null;
        segments.push({ segmentId: m.segmentId, name, enteredAt: m.enteredAt ?? fields._asOf!, group: m.group });
      }
      return { customerId, segments: segments.sort((a, b) => bySegmentId.compare(a.segmentId, b.segmentId)), asOf: fields._asOf ?? null };
    },
  };
};
export type MembershipCache = ReturnType<typeof membershipCache>;
