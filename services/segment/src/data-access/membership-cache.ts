import type { Redis } from 'ioredis';
import type { CustomerSegments } from '@segflow/contracts';

/** One membership as the cache stores it: the sequence guards against older writes. */
export interface CachedMembership {
  segmentId: string;
  isMember: boolean;
  seq: bigint;
  enteredAt: string | null;
}

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
return 1`;

const encode = (m: CachedMembership) => `${m.seq}|${m.isMember ? 1 : 0}|${m.enteredAt ?? ''}`;
const decode = (segmentId: string, value: string): CachedMembership | null => {
  const [seq, member, enteredAt] = value.split('|');
  if (seq === undefined || member === undefined) return null;
  return { segmentId, seq: BigInt(seq), isMember: member === '1', enteredAt: enteredAt || null };
};

type GuardedRedis = Redis & { segflowGuardedWrite(key: string, ...args: string[]): Promise<number> };

/**
 * The Redis read model of "which segments is customer X in". Postgres stays the source
 * of truth: writes happen after commit and never let an older sequence win, reads that
 * miss (or find Redis down) go to Postgres and fill the cache.
 */
export const membershipCache = (redis: Redis, namespace: string) => {
  if (!('segflowGuardedWrite' in redis)) redis.defineCommand('segflowGuardedWrite', { numberOfKeys: 1, lua: GUARDED_WRITE });
  const client = redis as GuardedRedis;
  const customerKey = (customerId: string) => `${namespace}segflow:customer:{${customerId}}:segments`;
  const namesKey = `${namespace}segflow:segment-names`;

  const write = async (customerId: string, memberships: CachedMembership[], asOf: Date, complete: boolean) => {
    const args = memberships.flatMap((m) => [m.segmentId, encode(m)]);
    await client.segflowGuardedWrite(customerKey(customerId), complete ? '1' : '0', asOf.toISOString(), ...args);
  };

  return {
    /** Records changes decided at `asOf` for many customers in one round trip. */
    recordChanges: async (changes: Map<string, CachedMembership[]>, asOf: Date): Promise<void> => {
      if (changes.size === 0) return;
      const pipeline = client.pipeline() as unknown as { segflowGuardedWrite(...args: string[]): void; exec(): Promise<unknown> };
      for (const [customerId, memberships] of changes) {
        pipeline.segflowGuardedWrite(customerKey(customerId), '0', asOf.toISOString(), ...memberships.flatMap((m) => [m.segmentId, encode(m)]));
      }
      await pipeline.exec();
    },
    /** Fills a customer's entry with every membership read from Postgres (and their segments' names). */
    fill: async (customerId: string, memberships: (CachedMembership & { name: string })[], asOf: Date) => {
      if (memberships.length > 0) await client.hset(namesKey, Object.fromEntries(memberships.map((m) => [m.segmentId, m.name])));
      await write(customerId, memberships, asOf, true);
    },
    /** Forgets customers entirely (erasure). */
    forget: async (customerIds: string[]): Promise<void> => {
      if (customerIds.length > 0) await client.del(...customerIds.map(customerKey));
    },
    setSegmentName: async (segmentId: string, name: string) => {
      await client.hset(namesKey, segmentId, name);
    },
    /** The cached answer, or null on a miss (never filled, or lost). */
    read: async (customerId: string): Promise<CustomerSegments | null> => {
      const [[, fields], [, names]] = (await client.multi().hgetall(customerKey(customerId)).hgetall(namesKey).exec()) as [
        [unknown, Record<string, string>],
        [unknown, Record<string, string>],
      ];
      if (fields._complete !== '1') return null;
      const memberships = Object.entries(fields)
        .filter(([field]) => !field.startsWith('_'))
        .map(([segmentId, value]) => decode(segmentId, value))
        .filter((m): m is CachedMembership => m !== null && m.isMember);
      return {
        customerId,
        segments: memberships
          .map((m) => ({ segmentId: m.segmentId, name: names[m.segmentId] ?? m.segmentId, enteredAt: m.enteredAt ?? fields._asOf! }))
          .sort((a, b) => a.segmentId.localeCompare(b.segmentId)),
        asOf: fields._asOf ?? null,
      };
    },
  };
};
export type MembershipCache = ReturnType<typeof membershipCache>;
