import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createSegflowClient } from '@segflow/client';
import type { SegflowClient } from '@segflow/client';
import type { ScoringModelInput, SegmentInput } from '@segflow/contracts';
import type { GroupLagReport, PartitionLagReport } from '@segflow/service-kit';
import { builtEntry, buildServices } from '@segflow/service-kit/build';
import type { ServiceName } from '@segflow/service-kit/build';
import { ensureLocalKafka } from '@segflow/testkit';
import { cpuSecondsOf, peakRssMiB, progressLines, sleep } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** The node flags `pnpm start` and deploy/Dockerfile run segflow with. */
export const SEGFLOW_NODE_FLAGS = ['--max-semi-space-size=64'];

export interface BenchInfrastructure {
  kafkaBrokers: string[];
  /** A superuser URL to create the benchmark's databases from. */
  adminDatabaseUrl: string;
  redisUrl: string;
}

/**
 * Kafka from KAFKA_BROKERS, else the local broker `pnpm start` uses (started on 127.0.0.1:9092
 * when none answers, and left running as `pnpm start` leaves it); Postgres and Redis from
 * DATABASE_URL and REDIS_URL, else their local default ports.
 */
export const benchInfrastructure = async (): Promise<BenchInfrastructure> => {
  const brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  const kafkaBrokers = brokers?.length ? brokers : (await ensureLocalKafka({ port: 9092, persistent: true, log: (line) => process.stderr.write(`${line}\n`) })).brokers;
  return {
    kafkaBrokers,
    adminDatabaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  };
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export type Mode = 'all' | 'separate' | 'scaled';
export const MODES: readonly Mode[] = ['all', 'separate', 'scaled'];
/** What startSegflow starts: one of the pipeline's modes, or the segment service alone (bench:segment's backfill). */
export type Layout = Mode | 'segment';
type Entry = ServiceName;

/** One segflow process: `services/<entry>/dist/main.js` (built as `pnpm start` builds it), on its own port. */
export interface SegflowProcess {
  name: string;
  entry: Entry;
  child: ChildProcess;
  url: string;
  /** The last lines it wrote (stdout and stderr). */
  tail(): string;
  /** Its log lines at warn level or above, by message. */
  warnings: Map<string, number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const startProcess = async (name: string, entry: Entry, env: Record<string, string>, nodeFlags: string[]): Promise<SegflowProcess> => {
  const port = await freePort();
  const { SEGFLOW_API_KEYS: _open, ...inherited } = process.env;
  // BENCH_CPU_PROF=<dir>: each segflow process writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, ...nodeFlags, builtEntry(entry)], {
    cwd: root,
    env: { ...inherited, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const warnings = new Map<string, number>();
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 0) >= 40) warnings.set(entry.msg ?? '?', (warnings.get(entry.msg ?? '?') ?? 0) + 1);
      } catch {
        warnings.set(line.slice(0, 120), (warnings.get(line.slice(0, 120)) ?? 0) + 1);
      }
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { name, entry, child, url: `http://127.0.0.1:${port}`, tail: () => lines.join('\n'), warnings, exit };
};

const waitReady = async (p: SegflowProcess, timeoutMs = 90_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exit.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const status = await fetch(`${p.url}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await sleep(250);
  }
  throw new Error(`${p.name} did not become ready${exited ? ' (it exited)' : ''}; its last output:\n${p.tail()}`);
};

export interface Segflow {
  mode: Layout;
  processes: SegflowProcess[];
  /** Where an endpoint of `service` answers (in mode `all`, the one process). */
  urlOf(service: 'ingest' | 'profile' | 'segment'): string;
  /** Sum of the processes' peak RSS (VmHWM), MiB. */
  peakRssMiB(): number;
  /** CPU time the processes have used so far, summed, in seconds. */
  cpuSeconds(): number;
  /** CPU seconds (user + system) used so far by each process, by its name. */
  cpuSecondsByProcess(): Map<string, number>;
  /** Throws with the process's output if one has exited. */
  assertRunning(): void;
  /** SIGTERM to each process, then SIGKILL after `graceMs`; resolves with how each ended. */
  stop(graceMs?: number): Promise<string[]>;
}

/**
 * Starts segflow as child processes: mode `all` runs `pnpm start`'s entry (the three services
 * in one process); `separate` one process per service, as docker-compose.yml runs them;
 * `scaled` one ingest and two each of profile and segment, in their consumer groups. Each is
 * started after the ones before it are ready, so two never run the same migrations at once.
 */
export const startSegflow = async (options: {
  mode: Layout;
  namespace: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  redisUrl: string;
  lagPollMs: number;
  partitions: number;
  env?: Record<string, string>;
  /** Node flags of the processes: BENCH_NODE_FLAGS="--flag …" when set, else those `pnpm start` and the image run with. */
  nodeFlags?: string[];
}): Promise<Segflow> => {
  const nodeFlags = options.nodeFlags ?? process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? SEGFLOW_NODE_FLAGS;
  const env = {
    ...options.env,
    SEGFLOW_NAMESPACE: options.namespace,
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    REDIS_URL: options.redisUrl,
    SEGFLOW_LAG_POLL_INTERVAL_MS: String(options.lagPollMs),
    SEGFLOW_TOPIC_PARTITIONS: String(options.partitions),
  };
  const plans: Record<Layout, [string, Entry][]> = {
    all: [['segflow', 'all']],
    separate: [['ingest', 'ingest'], ['profile', 'profile'], ['segment', 'segment']],
    scaled: [['ingest', 'ingest'], ['profile-1', 'profile'], ['profile-2', 'profile'], ['segment-1', 'segment'], ['segment-2', 'segment']],
    segment: [['segment', 'segment']],
  };
  const plan = plans[options.mode];
  await buildServices([...new Set(plan.map(([, entry]) => entry))]);
  const processes: SegflowProcess[] = [];
  const stop = async (graceMs = 30_000): Promise<string[]> =>
    Promise.all(
      processes.map(async (p) => {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
        const { code, signal } = await p.exit;
        clearTimeout(timer);
        return `${p.name}: ${signal ?? `exit ${code}`}`;
      }),
    );
  try {
    for (const [name, entry] of plan) {
      const started = await startProcess(name, entry, env, nodeFlags);
      processes.push(started);
      await waitReady(started);
    }
    // A later member of a group makes the earlier ones rebalance: wait until all are ready again.
    for (const p of processes) await waitReady(p);
  } catch (error) {
    await stop(5_000);
    throw error;
  }
  const cpuSecondsByProcess = () => new Map(processes.map((p) => [p.name, cpuSecondsOf(p.child.pid!) ?? 0]));
  return {
    mode: options.mode,
    processes,
    urlOf: (service) => processes.find((p) => p.entry === service || p.entry === 'all')!.url,
    peakRssMiB: () => processes.reduce((sum, p) => sum + (peakRssMiB(p.child.pid!) ?? 0), 0),
    cpuSeconds: () => [...cpuSecondsByProcess().values()].reduce((sum, seconds) => sum + seconds, 0),
    cpuSecondsByProcess,
    assertRunning: () => {
      const gone = processes.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
      if (gone) throw new Error(`${gone.name} exited (${gone.child.signalCode ?? gone.child.exitCode}); its last output:\n${gone.tail()}`);
    },
    stop,
  };
};

/** The typed client of the process that serves `service`'s endpoints. */
export const apiOf = (segflow: Segflow, service: 'ingest' | 'profile' | 'segment'): SegflowClient => createSegflowClient({ baseUrl: segflow.urlOf(service) });

/** The data of a typed client's answer; throws on a status other than the expected ones. */
export const expectStatus = async <T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>, expect: number[] = [200, 201]): Promise<T | undefined> => {
  const { data, error, response } = await answer;
  if (!expect.includes(response.status)) throw new Error(`${response.url} answered ${response.status}: ${JSON.stringify(error)?.slice(0, 500)}`);
  return data;
};

/** `GET /v1/ops/consumer-lag` of every process, one entry per group (the latest observation of it). */
export const consumerLag = async (segflow: Segflow): Promise<GroupLagReport[]> => {
  const reports = await Promise.all(segflow.processes.map(async (p) => (await expectStatus(createSegflowClient({ baseUrl: p.url }).GET('/v1/ops/consumer-lag')))!));
  const latest = new Map<string, GroupLagReport>();
  for (const group of reports.flatMap((r) => r.groups)) {
    const seen = latest.get(group.group);
    if (!seen || (group.observedAt ?? '') > (seen.observedAt ?? '')) latest.set(group.group, group);
  }
  return [...latest.values()];
};

/**
 * Polls the consumer lag until every group in `groups` is at lag 0, in an observation made
 * after `afterMs` in which the source topics hold at least `sourceEnd` messages, and the next
 * observation finds the same log ends (so no relay still had messages to publish). Resolves
 * with when the first of those two observations was made, or null after `timeoutMs`. Drives
 * one progress bar per group (committed / log end).
 */
export const waitForDrain = async (
  segflow: Segflow,
  options: { groups: { ingest: string; profile: string; segment: string }; sourceEnd: number; afterMs: number; timeoutMs: number },
): Promise<number | null> => {
  const bars = progressLines();
  const deadline = Date.now() + options.timeoutMs;
  const wanted = Object.values(options.groups);
  let candidate: { ends: string; observed: string; at: number } | null = null;
  try {
    while (Date.now() < deadline) {
      segflow.assertRunning();
      const groups = (await consumerLag(segflow)).filter((g) => wanted.includes(g.group));
      for (const g of groups) {
        const sum = (f: (p: PartitionLagReport) => number) => g.partitions.reduce((s, p) => s + f(p), 0);
        bars.update(`${g.group.slice(g.group.lastIndexOf('.') + 1)} consumed`, sum((p) => p.committed ?? 0), sum((p) => p.end));
      }
      const source = groups.find((g) => g.group === options.groups.ingest);
      const drained =
        groups.length === wanted.length &&
        groups.every((g) => g.lag === 0 && !g.error && g.observedAt !== null && Date.parse(g.observedAt) > options.afterMs) &&
        (source?.partitions.reduce((s, p) => s + p.end, 0) ?? 0) >= options.sourceEnd;
      if (!drained) candidate = null;
      else {
        const ends = JSON.stringify(groups.map((g) => [g.group, g.partitions.map((p) => p.end)]).sort());
        const observed = groups.map((g) => g.observedAt).join();
        if (candidate && candidate.ends === ends && candidate.observed !== observed) return candidate.at;
        if (!candidate || candidate.ends !== ends) candidate = { ends, observed, at: Math.max(...groups.map((g) => Date.parse(g.observedAt!))) };
      }
      await sleep(200);
    }
    return null;
  } finally {
    bars.stop();
  }
};

/** Puts the scoring model and creates `segments` through the API, then waits for their backfills. */
export const defineSegments = async (segflow: Segflow, segments: SegmentInput[], scoringModel: ScoringModelInput): Promise<void> => {
  await expectStatus(apiOf(segflow, 'profile').PUT('/v1/scoring-model', { body: scoringModel }));
  const api = apiOf(segflow, 'segment');
  for (const segment of segments) await expectStatus(api.POST('/v1/segments', { body: segment }));
  for (const { id } of segments) {
    for (;;) {
      const job = await expectStatus(api.GET('/v1/segments/{id}/backfill', { params: { path: { id: id! } } }));
      if (job!.state !== 'running') break;
      await sleep(100);
    }
  }
};

/** Sums and counts of the histograms that tell where a phase's time went, over every process. */
export interface StageTotals {
  /** Per service: batches handled, messages in them, seconds spent in them. */
  batches: Map<string, { count: number; messages: number; seconds: number }>;
  /** Membership changes caused by events: how many were published, and their summed seconds since segflow received their events. */
  eventToSegment: { count: number; seconds: number };
}

export const stageTotals = async (segflow: Segflow): Promise<StageTotals> => {
  const totals: StageTotals = { batches: new Map(), eventToSegment: { count: 0, seconds: 0 } };
  const texts = await Promise.all(segflow.processes.map(async (p) => (await fetch(`${p.url}/metrics`)).text()));
  for (const line of texts.flatMap((t) => t.split('\n'))) {
    const sample = /^(segflow_batch_size|segflow_batch_duration_seconds|segflow_event_to_segment_seconds)_(sum|count)\{(?:service|reason)="([^"]+)"\} (\S+)$/.exec(line);
    if (!sample) continue;
    const [, metric, part, label, value] = sample as unknown as [string, string, 'sum' | 'count', string, string];
    if (metric === 'segflow_event_to_segment_seconds') {
      if (label === 'event') totals.eventToSegment[part === 'sum' ? 'seconds' : 'count'] += Number(value);
      continue;
    }
    const service = totals.batches.get(label) ?? { count: 0, messages: 0, seconds: 0 };
    if (metric === 'segflow_batch_size') service[part === 'sum' ? 'messages' : 'count'] += Number(value);
    else if (part === 'sum') service.seconds += Number(value);
    totals.batches.set(label, service);
  }
  return totals;
};

/** What happened between two readings, as a line: per service batches, mean size and mean time; then the mean event-to-segment time. */
export const describeStages = (before: StageTotals, after: StageTotals): string => {
  const services = [...after.batches].map(([service, a]) => {
    const b = before.batches.get(service) ?? { count: 0, messages: 0, seconds: 0 };
    const count = a.count - b.count;
    return count === 0 ? `${service} no batches` : `${service} ${count} batches of ${((a.messages - b.messages) / count).toFixed(1)} messages, ${(((a.seconds - b.seconds) / count) * 1000).toFixed(1)} ms each`;
  });
  const published = after.eventToSegment.count - before.eventToSegment.count;
  const mean = published === 0 ? 0 : ((after.eventToSegment.seconds - before.eventToSegment.seconds) / published) * 1000;
  return [...services, `received → membership published ${mean.toFixed(0)} ms mean (${published} changes)`].join('; ');
};
