import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { IngestConfig } from '@segflow/ingest';
import { ProfileConfig } from '@segflow/profile';
import { SegmentConfig } from '@segflow/segment';
import { createMetrics } from '@segflow/observability';

// No Docker engine runs where the tests run, so the compose file is checked by reading it:
// each service's environment must pass the same config schema the service parses at start.
const compose = parse(readFileSync(fileURLToPath(new URL('../../docker-compose.yml', import.meta.url)), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    { environment?: Record<string, string | number>; command?: string[]; depends_on?: Record<string, unknown> | string[]; image?: string; volumes?: string[]; ports?: string[] }
  >;
};
const deployFile = (name: string) => readFileSync(fileURLToPath(new URL(`../../deploy/${name}`, import.meta.url)), 'utf8');

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
    // Its documents and CloudEvents name the address the host reaches it at.
    const hostPort = String(service!.ports?.[0]).split(':')[0];
    expect(env.SEGFLOW_PUBLIC_URL).toBe(`http://localhost:${hostPort}`);
  });

  it.each(services)('runs %s from its own entry point once its dependencies are healthy', (name) => {
    const service = compose.services[name]!;
    expect(service.command).toEqual([`services/${name}/dist/main.js`]);
    expect(Object.keys(service.depends_on ?? {}).sort()).toEqual(['kafka', 'postgres', 'redis']);
  });

  it('runs Apache Kafka 3.9 in KRaft mode, Postgres and Redis', () => {
    expect(compose.services.kafka?.image).toMatch(/^apache\/kafka:3\.9\./);
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
    expect(compose.services.redis?.image).toMatch(/^redis:/);
  });

  describe('monitoring', () => {
    const prometheusYml = parse(deployFile('prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const rules = parse(deployFile('alert-rules.yml')) as {
      groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: { severity?: string }; annotations?: { summary?: string } }[] }[];
    };
    const dashboard = JSON.parse(deployFile('grafana-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    // Histograms are queried through their _bucket, _sum and _count series.
    const known = new Set(
      createMetrics({ defaultMetrics: false })
        .registry.getMetricsAsArray()
        .map((m) => m.name),
    );
    const unknownMetrics = (expr: string) =>
      (expr.match(/segflow_[a-z0-9_]+/g) ?? []).map((name) => name.replace(/_(bucket|sum|count)$/, '')).filter((name) => !known.has(name));

    it('runs Prometheus with the scrape config and the alert rules mounted where the config reads them', () => {
      const prometheus = compose.services.prometheus;
      expect(prometheus?.image).toMatch(/^prom\/prometheus:v\d/);
      const mounts = new Map((prometheus?.volumes ?? []).map((v) => [v.split(':')[1], v.split(':')[0]]));
      expect(mounts.get('/etc/prometheus/prometheus.yml')).toBe('./deploy/prometheus.yml');
      for (const file of prometheusYml.rule_files) expect(mounts.get(file), file).toBe('./deploy/alert-rules.yml');
    });

    it('scrapes /metrics of ingest, profile and segment on the port they listen on', () => {
      const targets = prometheusYml.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
      expect(targets.sort()).toEqual(services.map(([name]) => `${name}:${compose.services[name]!.environment!.PORT}`).sort());
      expect(prometheusYml.scrape_configs.every((c) => (c.metrics_path ?? '/metrics') === '/metrics')).toBe(true);
    });

    it('has alert rules for lag growing, stalled consumers, DLQ rate and outbox backlog, on metrics segflow exports', () => {
      const all = rules.groups.flatMap((g) => g.rules);
      expect(all.map((r) => r.alert)).toEqual(
        expect.arrayContaining(['SegflowConsumerLagGrowing', 'SegflowConsumerStalled', 'SegflowDlqRate', 'SegflowOutboxBacklog']),
      );
      for (const rule of all) {
        expect(rule.expr, rule.alert).toMatch(/segflow_/);
        expect(unknownMetrics(rule.expr), rule.alert).toEqual([]);
        expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
        expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      }
    });

    it('has a Grafana dashboard whose panels query metrics segflow exports', () => {
      const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
      expect(exprs.length).toBeGreaterThan(0);
      for (const expr of exprs) expect(unknownMetrics(expr), expr).toEqual([]);
      for (const metric of ['segflow_kafka_consumer_lag', 'segflow_kafka_consumer_lag_seconds', 'segflow_events_processed_total', 'segflow_event_to_segment_seconds_bucket', 'segflow_outbox_pending', 'segflow_batch_duration_seconds_bucket']) {
        expect(exprs.some((e) => e.includes(`${metric}{`) || e.includes(`${metric})`) || e.includes(`${metric}[`)), metric).toBe(true);
      }
    });
  });
});
