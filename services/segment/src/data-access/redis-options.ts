import type { Redis, RedisOptions } from 'ioredis';

/**
 * Redis is a cache here: when it is down, a command must fail at once (and the read
 * fall back to Postgres) rather than queue until it returns.
 */
export const redisOptions: RedisOptions = {
  enableOfflineQueue: false,
  // Commands of concurrent requests (rate-limit counters, reads) leave in one write per
  // turn of the event loop rather than one system call each.
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  connectTimeout: 1000,
  commandTimeout: 500,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
};

/**
 * Logs an outage of Redis once when it starts and once when it ends, however many
 * reconnection attempts fail in between (ioredis reports each one).
 */
export const reportRedisOutages = (redis: Redis, log: { warn(obj: object, msg: string): void; info(msg: string): void }): void => {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: err.message }, 'redis unavailable: reads come from Postgres until it answers');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    log.info('redis answers again: reads use it');
  });
};
