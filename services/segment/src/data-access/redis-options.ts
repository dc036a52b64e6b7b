import type { RedisOptions } from 'ioredis';

/**
 * Redis is a cache here: when it is down, a command must fail at once (and the read
 * fall back to Postgres) rather than queue until it returns.
 */
export const redisOptions: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1000,
  commandTimeout: 500,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
};
