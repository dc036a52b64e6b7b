import { createServer } from 'node:net';
import type { Kysely } from 'kysely';
import type { SegflowClient } from '@segflow/client';
import type { MembershipEvent } from '@segflow/contracts';
import type { EventBus } from '@segflow/kafka';
import type { ProfileDb } from '@segflow/profile';
import { isPortOpen } from '@segflow/testkit';
import { purchase } from '../support/events.js';
import type { PurchaseEvent } from '../support/events.js';

// What the outage tests share: a steady stream of purchases that survives the outage (a
// client resending what was not acknowledged), probes of /healthz and /readyz in the
// background, and the figures they assert on and print.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1; with `andNext`, port + 1 is free too (a KRaft controller's). */
export const freePort = async (options: { andNext?: boolean } = {}): Promise<number> => {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
      });
    });
    if (!options.andNext || (port < 65535 && !(await isPortOpen('127.0.0.1', port + 1, 200)))) return port;
  }
};

/** An HTTP status, or `down` when nothing answered (refused, reset, timed out). */
export type Status = number | 'down';

/** The status of GET /healthz or /readyz. */
export const statusOf = async (api: SegflowClient, path: '/healthz' | '/readyz', timeoutMs = 3_000): Promise<Status> => {
  try {
    return (await api.GET(path, { signal: AbortSignal.timeout(timeoutMs) })).response.status;
  } catch {
    return 'down';
  }
};

/** GET /readyz: its status, and its body with the checks whether ready (200) or not (503). */
export const readiness = async (api: SegflowClient) => {
  const { data, error, response } = await api.GET('/readyz');
  const body = data ?? error;
  return { status: response.status, body: body && 'checks' in body ? body : undefined };
};

export interface HealthSample {
  at: number;
  healthz: Status;
  readyz: Status;
}

/** /healthz and /readyz polled every `intervalMs` until stop(), each sample timestamped. */
export const watchHealth = (api: SegflowClient, intervalMs = 200) => {
  const samples: HealthSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const [healthz, readyz] = await Promise.all([statusOf(api, '/healthz'), statusOf(api, '/readyz')]);
      samples.push({ at, healthz, readyz });
      await sleep(intervalMs);
    }
  })();
  return {
    samples,
    /** Samples taken in [from, to). */
    between: (from: number, to = Infinity) => samples.filter((s) => s.at >= from && s.at < to),
    stop: async () => {
      running = false;
      await loop;
    },
  };
};
export type HealthWatch = ReturnType<typeof watchHealth>;

/** Events per request at most: POST /v1/events takes 1000. */
const MAX_BATCH = 500;

/**
 * Delivers a batch of events; resolves true when they were accepted, false when they must
 * be sent again later (same eventIds), as a client does after a 503.
 */
export type Deliver = (events: PurchaseEvent[]) => Promise<boolean>;

/**
 * One purchase per customer every `intervalMs`, `rounds` times, each round delivered without
 * waiting for the previous one (an outage makes requests slow, not the clients patient).
 * What is not accepted is delivered again with the next round, and after the last one
 * until all is accepted. Every customer ends up with exactly `rounds` distinct purchases.
 */
export const streamPurchases = (options: { customers: string[]; rounds: number; intervalMs: number; deliver: Deliver }) => {
  const { customers, rounds, intervalMs, deliver } = options;
  let pending: PurchaseEvent[] = [];
  let inFlight = 0;
  let roundsSent = 0;
  let resends = 0;
  let stopped = false;
  const send = (events: PurchaseEvent[]): void => {
    if (events.length === 0) return;
    // Resends piling up go in several requests.
    if (events.length > MAX_BATCH) {
      for (let i = 0; i < events.length; i += MAX_BATCH) send(events.slice(i, i + MAX_BATCH));
      return;
    }
    inFlight += 1;
    void deliver(events)
      .catch(() => false)
      .then((accepted) => {
        inFlight -= 1;
        if (!accepted) {
          resends += events.length;
          pending.push(...events);
        }
      });
  };
  const takePending = () => {
    const events = pending;
    pending = [];
    return events;
  };
  const finished = (async () => {
    for (let round = 0; round < rounds && !stopped; round++) {
      send([...customers.map((customerId) => purchase(customerId)), ...takePending()]);
      roundsSent = round + 1;
      await sleep(intervalMs);
    }
    while (!stopped && (inFlight > 0 || pending.length > 0)) {
      send(takePending());
      await sleep(intervalMs);
    }
  })();
  return {
    finished,
    roundsSent: () => roundsSent,
    /** Events delivered again after a refusal (each counted once per resend). */
    resends: () => resends,
    /** Ends the stream early (a failed test must not leave it running). */
    stop: () => {
      stopped = true;
    },
  };
};

export interface PostRecord {
  at: number;
  ms: number;
  status: Status;
  retryAfter: string | null;
  events: number;
}

/** Delivers over `POST /v1/events`, recording every answer: 202 accepted, anything else sent again. */
export const overHttp =
  (api: SegflowClient, posts: PostRecord[]): Deliver =>
  async (events) => {
    const at = Date.now();
    let status: Status = 'down';
    let retryAfter: string | null = null;
    try {
      const { response } = await api.POST('/v1/events', { body: { events }, signal: AbortSignal.timeout(20_000) });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
    } finally {
      posts.push({ at, ms: Date.now() - at, status, retryAfter, events: events.length });
    }
    return status === 202;
  };

/** Delivers onto a source topic (`events.purchase.v1`), as an upstream producer does; a failed publish is sent again. */
export const overTopic =
  (bus: Pick<EventBus, 'publish'>, topic: string): Deliver =>
  async (events) => {
    await bus.publish(topic, events.map((e) => ({ key: e.customerId, value: JSON.stringify(e) })));
    return true;
  };

/** Each customer's `purchase.count` as the profiles table holds it (0 for none). */
export const purchaseCounts = async (db: Kysely<ProfileDb>, customers: string[]): Promise<Map<string, number>> => {
  const rows = await db.selectFrom('profiles').select(['customer_id', 'state']).where('customer_id', 'in', customers).execute();
  const counts = new Map(customers.map((c) => [c, 0]));
  for (const row of rows) counts.set(row.customer_id, row.state.purchase.count);
  return counts;
};

export const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

/** Customers whose count is not `expected`, with what they have: empty when nothing was lost or counted twice. */
export const wrongCounts = (counts: Map<string, number>, expected: number): Record<string, number> =>
  Object.fromEntries([...counts].filter(([, count]) => count !== expected));

/**
 * The entered events of each (customer, segment) pair. A pair is entered once when all its
 * copies carry one id (a change republished after a failure keeps its id); two ids are two
 * entries. `republished` counts the copies beyond the first.
 */
export const enteredFigures = (events: MembershipEvent[], customers: string[], segmentIds: string[]) => {
  const mine = new Set(customers);
  const ids = new Map<string, Set<string>>();
  let copies = 0;
  let exited = 0;
  for (const event of events) {
    if (!mine.has(event.subject)) continue;
    if (event.type !== 'segflow.segment.entered') {
      exited += 1;
      continue;
    }
    copies += 1;
    const pair = `${event.data.segmentId}/${event.subject}`;
    ids.set(pair, (ids.get(pair) ?? new Set()).add(event.id));
  }
  const pairs = segmentIds.flatMap((s) => customers.map((c) => `${s}/${c}`));
  return {
    missing: pairs.filter((p) => !ids.has(p)),
    enteredTwice: pairs.filter((p) => (ids.get(p)?.size ?? 0) > 1),
    entered: [...ids.values()].reduce((n, set) => n + set.size, 0),
    republished: copies - [...ids.values()].reduce((n, set) => n + set.size, 0),
    exited,
  };
};

/** Prints a test's figures in one line, so a CI log can be read for them. */
export const report = (title: string, figures: Record<string, unknown>): void => {
  console.log(`[faults] ${title}: ${JSON.stringify(figures)}`);
};

/**
 * The services' log lines kept in memory instead of flooding the CI log: an outage logs
 * every retry. `tail` is for a failed test's message; `messages` counts what was logged.
 */
export const captureLogs = () => {
  const lines: string[] = [];
  return {
    destination: { write: (line: string) => void lines.push(line) },
    lines,
    /** Where the log stands now, to count only what comes after. */
    mark: () => lines.length,
    /** The last `n` lines, long stacks cut. */
    tail: (n = 40) => lines.slice(-n).map((line) => (line.length > 600 ? `${line.slice(0, 600)}…\n` : line)).join(''),
    /** How often each `msg` was logged at `level` or above, from line `from` on. */
    messages: (level: 'warn' | 'error' | 'fatal' = 'warn', from = 0) => {
      const levels = ['warn', 'error', 'fatal'].slice(['warn', 'error', 'fatal'].indexOf(level));
      const counts: Record<string, number> = {};
      for (const line of lines.slice(from)) {
        const entry = JSON.parse(line) as { level?: string; msg?: string };
        if (entry.level && levels.includes(entry.level)) counts[entry.msg ?? ''] = (counts[entry.msg ?? ''] ?? 0) + 1;
      }
      return counts;
    },
  };
};
export type CapturedLogs = ReturnType<typeof captureLogs>;
