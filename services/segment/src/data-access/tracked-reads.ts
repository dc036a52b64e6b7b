import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

/** Hashes kept in process memory at most; the least recently read go first. */
export const TRACKED_COPIES = 50_000;
/** How often the invalidation connection is asked to answer: one that stops, silently, drops every copy. */
export const HEARTBEAT_MS = 1_000;

const INVALIDATIONS = '__redis__:invalidate';

/**
 * Copies of the hashes this instance read lately, kept current by Redis itself
 * (server-assisted client-side caching): the reading connection has `CLIENT TRACKING`
 * on, redirected to a subscriber connection that receives, for every key read here and
 * changed since by any client, an invalidation that drops the copy.
 *
 * Nothing is kept or served while tracking is not in place on both current connections
 * (before they are ready, and from the moment either closes until both are back and
 * tracking is on again), and whatever was kept is dropped then: a key changed while no
 * invalidation could arrive would otherwise stay stale. A read that an invalidation of
 * its key overtakes (the two arrive on different connections) is answered but not kept.
 */
export const trackedReads = (redis: Redis, options: { maxCopies?: number; connectionName?: string } = {}) => {
  const { maxCopies = TRACKED_COPIES, connectionName = 'segflow-tracked-reads' } = options;
  const copies = new LRUCache<string, Record<string, string>>({ max: maxCopies });
  // Bumped whenever the connections change: a read started under an older epoch is not kept.
  let epoch = 0;
  let tracking = false;
  let reader: Redis | null = null;
  let invalidations: Redis | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  const readsInFlight = new Map<string, number>();
  const changedWhileRead = new Set<string>();

  const dropAll = () => {
    epoch++;
    tracking = false;
    copies.clear();
  };
  const drop = (keys: Iterable<string>) => {
    for (const key of keys) {
      copies.delete(key);
      if (readsInFlight.has(key)) changedWhileRead.add(key);
    }
  };

  // The subscriber's connection id, once it has subscribed; null until then and after it closes.
  let subscriberId: number | null = null;
  /** Once both connections are ready: subscribes, and redirects the reader's tracking to the subscriber. */
  const attemptTracking = async () => {
    const attempt = ++epoch;
    tracking = false;
    copies.clear();
    if (reader?.status !== 'ready' || invalidations?.status !== 'ready') return;
    try {
      if (subscriberId === null) {
        const id = await invalidations.client('ID');
        await invalidations.subscribe(INVALIDATIONS);
        subscriberId = id;
      }
      await reader.call('CLIENT', 'TRACKING', 'OFF');
      await reader.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(subscriberId));
      if (attempt === epoch) tracking = true;
    } catch {
      // A connection went away meanwhile: its next 'ready' tries again.
    }
  };
  // One attempt at a time: both connections' 'ready' may come at once.
  let attempts = Promise.resolve();
  const establish = () => void (attempts = attempts.then(attemptTracking));

  return {
    /** Connects the two connections (in the background: reads go to `redis` until tracking is on). */
    open: () => {
      if (reader !== null) return;
      reader = redis.duplicate({ lazyConnect: true, connectionName });
      // Subscribed again by establish, after reading the connection's new id.
      invalidations = redis.duplicate({ lazyConnect: true, autoResubscribe: false, enableAutoPipelining: false, connectionName: `${connectionName}-invalidations` });
      invalidations.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
        if (channel.toString() !== INVALIDATIONS) return;
        // FLUSHDB or FLUSHALL: every key changed; tracking stays on (the epoch is for connections).
        drop(keys === null ? [...copies.keys(), ...readsInFlight.keys()] : keys.map(String));
      });
      invalidations.on('close', () => void (subscriberId = null));
      // A connection cut without a word (no FIN) would pass on no invalidation and no
      // close: one that misses a ping (commandTimeout) counts as gone.
      const connection = invalidations;
      heartbeat = setInterval(() => {
        if (!tracking) return;
        connection.ping().catch(() => {
          dropAll();
          connection.disconnect(true);
        });
      }, HEARTBEAT_MS);
      heartbeat.unref();
      for (const connection of [reader, invalidations]) {
        connection.on('close', dropAll);
        connection.on('ready', establish);
        connection.on('error', () => {}); // reported through the main connection
        connection.connect().catch(() => {});
      }
    },
    close: async () => {
      clearInterval(heartbeat);
      dropAll();
      const connections = [reader, invalidations];
      reader = invalidations = null;
      for (const connection of connections) connection?.disconnect();
    },
    /** The hash at `key`, from the kept copy when there is one; `redis` answers while tracking is not on. */
    hgetall: async (key: string): Promise<Record<string, string>> => {
      if (!tracking || reader === null) return redis.hgetall(key);
      const kept = copies.get(key);
      if (kept !== undefined) return kept;
      const startedIn = epoch;
      readsInFlight.set(key, (readsInFlight.get(key) ?? 0) + 1);
      try {
        const fields = await reader.hgetall(key);
        if (startedIn === epoch && !changedWhileRead.has(key)) copies.set(key, fields);
        return fields;
      } finally {
        const left = readsInFlight.get(key)! - 1;
        if (left > 0) readsInFlight.set(key, left);
        else {
          readsInFlight.delete(key);
          changedWhileRead.delete(key);
        }
      }
    },
    /** Drops the copies of keys this instance has just written (their invalidations follow). */
    drop,
    /** Whether copies are being kept and served now. */
    tracking: () => tracking,
  };
};
export type TrackedReads = ReturnType<typeof trackedReads>;
