import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@segflow/observability';
import { BaseConfig, topicsFor } from './base-config.js';

describe('service configuration', () => {
  it('defaults to the local infrastructure', () => {
    const config = parseConfig(BaseConfig, {});
    expect(config).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/segflow',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      SEGFLOW_NAMESPACE: '',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('refuses to start with a message naming every bad variable', () => {
    const parse = () => parseConfig(BaseConfig, { PORT: 'eighty', KAFKA_BROKERS: 'kafka', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    expect(parse).toThrow(ConfigError);
    const message = (() => {
      try {
        parse();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const variable of ['PORT', 'KAFKA_BROKERS', 'REDIS_URL', 'LOG_LEVEL']) expect(message).toContain(`${variable}:`);
    expect(message).toContain('host:port');
  });

  it('splits a broker list', () => {
    expect(parseConfig(BaseConfig, { KAFKA_BROKERS: 'a:1, b:2' }).KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
  });

  it('names topics under a namespace', () => {
    expect(topicsFor('qa.').membership).toBe('qa.segment-membership.v1');
    expect(topicsFor('').dlq).toBe('customer-events.dlq.v1');
  });
});
