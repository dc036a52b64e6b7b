import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { IngestConfig } from '@segflow/ingest';
import { ProfileConfig } from '@segflow/profile';
import { SegmentConfig } from '@segflow/segment';

// No Docker engine runs where the tests run, so the compose file is checked by reading it:
// each service's environment must pass the same config schema the service parses at start.
const compose = parse(readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string | number>; command?: string[]; depends_on?: Record<string, unknown>; image?: string }>;
};

const services: [string, z.ZodType][] = [
  ['ingest', IngestConfig],
  ['profile', ProfileConfig],
  ['segment', SegmentConfig],
];

describe('docker-compose.yml', () => {
  it.each(services)('gives %s an environment its config schema accepts', (name, schema) => {
    const service = compose.services[name];
    expect(service, `service ${name}`).toBeDefined();
    const env = Object.fromEntries(Object.entries(service!.environment ?? {}).map(([k, v]) => [k, String(v)]));
    const parsed = schema.safeParse(env);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(env.DATABASE_URL).toContain('@postgres:5432/');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
  });

  it.each(services)('runs %s from its own entry point once its dependencies are healthy', (name) => {
    const service = compose.services[name]!;
    expect(service.command).toEqual([`services/${name}/src/main.ts`]);
    expect(Object.keys(service.depends_on ?? {}).sort()).toEqual(['kafka', 'postgres', 'redis']);
  });

  it('runs Apache Kafka 3.9 in KRaft mode, Postgres and Redis', () => {
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\.9\./);
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
  });
});
