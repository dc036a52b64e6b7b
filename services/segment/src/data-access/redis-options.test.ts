import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { reportRedisOutages } from './redis-options.js';

describe('reportRedisOutages', () => {
  it('logs an outage once when it starts and once when it ends, whatever the reconnection attempts', () => {
    const redis = new EventEmitter();
    const lines: string[] = [];
    reportRedisOutages(redis as unknown as Redis, { warn: (_obj, msg) => void lines.push(msg), info: (msg) => void lines.push(msg) });
    redis.emit('ready');
    for (let i = 0; i < 5; i++) redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    redis.emit('ready');
    redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(lines).toEqual([
      'redis unavailable: reads come from Postgres until it answers',
      'redis answers again: reads use it',
      'redis unavailable: reads come from Postgres until it answers',
    ]);
  });
});
