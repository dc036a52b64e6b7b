import type { Redis } from 'ioredis';
import type { CustomerSegments } from '@segflow/contracts';

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
  // Segment names change rarely: each instance keeps the generation's names hash and
  // rereads it at most every GENERATION_REFRESH_MS, one read shared by concurrent requests.
  let names: { generation: string | null; readAt: number; byId: Map<string, string> } = { generation: null, readAt: 0, byId: new Map() };
  let namesReading: Promise<Map<string, string>> | null = null;
  const segmentNames = (): Map<string, string> | Promise<Map<string, string>> => {
    if (names.generation === generation && Date.now() - names.readAt <= GENERATION_REFRESH_MS) return names.byId;
    const readFor = generation;
    namesReading ??= client
      .hgetall(namesKey())
      .then((stored) => {
        names = { generation: readFor, readAt: Date.now(), byId: new Map(Object.entries(stored)) };
        return names.byId;
      })
      .finally(() => void (namesReading = null));
    return namesReading;
  };
  const rememberNames = (entries: Iterable<[string, string]>) => {
    if (names.generation === generation) for (const [id, name] of entries) names.byId.set(id, name);
  };
  const failed = (error: unknown): never => {
    lost = true;
    throw error;
  };

  const write = async (customerId: string, memberships: CachedMembership[], asOf: Date, complete: boolean) => {
    await current();
    const args = memberships.flatMap((m) => [m.segmentId, encode(m)]);
    await client.segflowGuardedWrite(customerKey(customerId), complete ? '1' : '0', asOf.toISOString(), ...args).catch(failed);
  };

  return {
    /** Records changes decided at `asOf` for many customers in one round trip. */
    recordChanges: async (changes: Map<string, CachedMembership[]>, asOf: Date): Promise<void> => {
      if (changes.size === 0) return;
      await current().catch(failed);
      const pipeline = client.pipeline() as unknown as { segflowGuardedWrite(...args: string[]): void; exec(): Promise<[Error | null, unknown][] | null> };
      for (const [customerId, memberships] of changes) {
        pipeline.segflowGuardedWrite(customerKey(customerId), '0', asOf.toISOString(), ...memberships.flatMap((m) => [m.segmentId, encode(m)]));
      }
      // exec resolves even when its commands failed: each answer carries its own error.
      const answers = await pipeline.exec().catch(failed);
      const error = answers?.find(([err]) => err !== null)?.[0];
      if (error) failed(error);
    },
    /** Fills a customer's entry with every membership read from Postgres (and their segments' names). */
    fill: async (customerId: string, memberships: (CachedMembership & { name: string })[], asOf: Date) => {
      await current().catch(failed);
      if (memberships.length > 0) {
        await client.hset(namesKey(), Object.fromEntries(memberships.map((m) => [m.segmentId, m.name]))).catch(failed);
        rememberNames(memberships.map((m) => [m.segmentId, m.name]));
      }
      await write(customerId, memberships, asOf, true);
    },
    /** Forgets customers entirely (erasure). */
    forget: async (customerIds: string[]): Promise<void> => {
      if (customerIds.length === 0) return;
      await current().catch(failed);
      await client.del(...customerIds.map(customerKey)).catch(failed);
    },
    setSegmentName: async (segmentId: string, name: string) => {
      await current().catch(failed);
      await client.hset(namesKey(), segmentId, name).catch(failed);
      rememberNames([[segmentId, name]]);
    },
    /** The cached answer, or null on a miss (never filled, lost, or naming a segment whose name is not cached). */
    read: async (customerId: string): Promise<CustomerSegments | null> => {
      await current();
      const [fields, names] = await Promise.all([client.hgetall(customerKey(customerId)), segmentNames()]);
      if (fields._complete !== '1') return null;
      const segments: CustomerSegments['segments'] = [];
      for (const [field, value] of Object.entries(fields)) {
        if (field.startsWith('_')) continue;
        const m = decode(field, value);
        if (m === null || !m.isMember) continue;
        const name = names.get(m.segmentId);
        if (name === undefined) return null;
        segments.push({ segmentId: m.segmentId, name, enteredAt: m.enteredAt ?? fields._asOf!, group: m.group });
      }
      return { customerId, segments: segments.sort((a, b) => a.segmentId.localeCompare(b.segmentId)), asOf: fields._asOf ?? null };
    },
  };
};
export type MembershipCache = ReturnType<typeof membershipCache>;
