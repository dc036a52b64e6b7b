import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@segflow/observability';
import { LifecycleThresholds } from '@segflow/contracts';
import { BaseConfig, contractSettings, httpSettings, lifecycleEnv, topicsFor } from './base-config.js';

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

describe('SEGFLOW_LIFECYCLE', () => {
  const Config = z.object(lifecycleEnv);

  it('overrides only the thresholds it names', () => {
    const { SEGFLOW_LIFECYCLE } = parseConfig(Config, { SEGFLOW_LIFECYCLE: '{"retention":{"minPurchases":3},"loyalty":{"minSpend":1000}}' });
    expect(SEGFLOW_LIFECYCLE).toEqual({
      consideration: { engagedWithinDays: 30 },
      decision: { minLeadScore: 50 },
      retention: { minPurchases: 3, lastPurchaseWithinDays: 180 },
      loyalty: { minPurchases: 5, minSpend: 1000, windowDays: 365 },
    });
    expect(parseConfig(Config, {}).SEGFLOW_LIFECYCLE).toEqual(LifecycleThresholds.parse(undefined));
  });

  it('names the variable and the bad threshold', () => {
    expect(() => parseConfig(Config, { SEGFLOW_LIFECYCLE: '{"retention":{"minPurchases":0}}' })).toThrow(/SEGFLOW_LIFECYCLE: .* \(at retention\.minPurchases\)/);
    expect(() => parseConfig(Config, { SEGFLOW_LIFECYCLE: '{"retention":{"minPurchase":3}}' })).toThrow(/SEGFLOW_LIFECYCLE: .*minPurchase/);
    expect(() => parseConfig(Config, { SEGFLOW_LIFECYCLE: 'retention=3' })).toThrow('SEGFLOW_LIFECYCLE: expected JSON such as');
  });
});

describe('HTTP settings', () => {
  it('default to generous budgets per key, a small one for failed authentications, and no trusted proxy', () => {
    expect(httpSettings(parseConfig(BaseConfig, { SEGFLOW_NAMESPACE: 'qa.' }))).toEqual({
      rateLimit: { perMinute: 6000, failedAuthPerMinute: 60, keyPrefix: 'qa.segflow-rate-limit:', syncMs: 100 },
      trustProxy: false,
    });
  });

  it('read SEGFLOW_TRUST_PROXY as a switch, a hop count or a list of proxies, and reject anything else', () => {
    const trust = (value: string) => parseConfig(BaseConfig, { SEGFLOW_TRUST_PROXY: value }).SEGFLOW_TRUST_PROXY;
    expect(trust('true')).toBe(true);
    expect(trust('false')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, loopback,::1')).toEqual(['10.0.0.0/8', 'loopback', '::1']);
    expect(() => trust('10.0.0.0/8,proxy.internal')).toThrow('SEGFLOW_TRUST_PROXY: expected true, false, a number of hops or addresses/CIDRs, not proxy.internal');
    expect(() => parseConfig(BaseConfig, { SEGFLOW_RATE_LIMIT_PER_MINUTE: '-1' })).toThrow('SEGFLOW_RATE_LIMIT_PER_MINUTE');
  });
});

describe('SEGFLOW_PUBLIC_URL', () => {
  const settings = (env: Record<string, string>) => contractSettings(parseConfig(BaseConfig, env));

  it('defaults to localhost on PORT, and gives the AsyncAPI document the namespace and brokers', () => {
    expect(settings({ PORT: '8080', SEGFLOW_NAMESPACE: 'qa.', KAFKA_BROKERS: 'a:1,b:2' })).toEqual({
      publicUrl: 'http://localhost:8080',
      namespace: 'qa.',
      kafkaBrokers: ['a:1', 'b:2'],
    });
  });

  it('takes an http(s) URL with an optional path prefix, without its trailing slash', () => {
    expect(settings({ SEGFLOW_PUBLIC_URL: 'https://segflow.example.com/' }).publicUrl).toBe('https://segflow.example.com');
    expect(settings({ SEGFLOW_PUBLIC_URL: ' https://api.example.com:8443/segflow// ' }).publicUrl).toBe('https://api.example.com:8443/segflow');
  });

  it('stops the service at start with a message naming the variable', () => {
    for (const bad of ['segflow.example.com', 'localhost:3000', 'ftp://example.com', 'https://example.com/?x=1', 'https://example.com/#top', 'https://user:secret@example.com', '']) {
      expect(() => parseConfig(BaseConfig, { SEGFLOW_PUBLIC_URL: bad }), bad).toThrow(
        'SEGFLOW_PUBLIC_URL: expected an absolute http(s) URL without query, fragment or credentials, such as https://segflow.example.com',
      );
    }
  });
});
