// Segment engine costs:
//  1. backfill rate over BENCH_PROFILES stored profiles (default 1,000,000) in a segment
//     service process of its own, beside a bare paged scan of the same rows measured in
//     the same run, and the service's CPU and peak RSS; on the services' node flags, then
//     again with the old generation capped (`--max-old-space-size=2000`);
//  2. per-event evaluation with 10, 100 and 1,000 segments: the dependency index (what the
//     service does) beside evaluating every segment (the ceiling the index avoids);
//  3. planning one change against bench:e2e's 20 segments, on profiles built from its
//     events, in CPU time: the matches alone (the floor) beside the plan with each
//     customer's next evaluation instant (what the service does), and the five segments
//     costliest to plan alone.
//   pnpm bench:segment
import { sql } from 'kysely';
import type { ProfileState, Rule } from '@segflow/contracts';
import { CustomerEvent, DEFAULT_SCORING_MODEL, InputEvent, toCustomerEvent } from '@segflow/contracts';
import { DEFAULT_PROFILE_LIMITS, applyEventBatch, currencyConverter, emptyProfile } from '@segflow/profile-model';
import { countPendingOutbox, createDb, namespacedDatabaseUrl } from '@segflow/db';
import { DEFAULT_BACKFILL_PAGE_SIZE, SEGMENT_OUTBOX, decideMemberships, planMemberships, segmentCompiler, segmentIndex } from '@segflow/segment';
import type { ActiveSegment, SegmentDb } from '@segflow/segment';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import { forgetRedisKeys } from './run.js';
import { SEGFLOW_NODE_FLAGS, apiOf, benchInfrastructure, expectStatus, startSegflow } from './segflow.js';
import { cpuMicrosSince, cpuSecondsOf, peakRssMiB, progress, resetPeakRss, rssMiB, timeUntil } from './support.js';
import { benchEvents, benchSegments } from './workload.js';

const PROFILES = Number(process.env.BENCH_PROFILES ?? 1_000_000);
const now = Date.now();

// ---- 1. backfill rate, in a segment service process of its own ----
// The service runs from its build with the node flags `pnpm start` and the image use (or
// BENCH_NODE_FLAGS), so its RSS and CPU are the service's, not this process's; then again
// with the old generation capped as Configuration in the README suggests where memory is
// short, on profiles stored afresh, so that both start from the same tables.
const infra = await benchInfrastructure();
const PAGE = DEFAULT_BACKFILL_PAGE_SIZE; // the service's own, for the backfill and the bare scan alike
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString('en');

const backfillRun = async (nodeFlags: string[] | undefined, withBareScan: boolean) => {
  const database = await createTestDatabase(infra.adminDatabaseUrl, 'segflow_bench');
  const namespace = `${uniqueName('bench')}.`;
  const segflow = await startSegflow({ mode: 'segment', namespace, databaseUrl: database.url, kafkaBrokers: infra.kafkaBrokers, redisUrl: infra.redisUrl, lagPollMs: 1000, partitions: 1, nodeFlags });
  const service = segflow.processes[0]!.child.pid!;
  const db = createDb<SegmentDb>(namespacedDatabaseUrl(database.url, namespace)); // the service's schema, migrated as it started
  const seed = progress('storing profiles', PROFILES);
  for (let from = 0; from < PROFILES; from += 50_000) {
    const to = Math.min(from + 50_000, PROFILES) - 1;
    await sql`
      INSERT INTO customer_profiles (customer_id, version, profile, evaluated_at)
      SELECT 'c-' || lpad(n::text, 8, '0'), 1, jsonb_build_object(
        'customerId', 'c-' || lpad(n::text, 8, '0'), 'version', 1, 'traits', jsonb_build_object('country', CASE WHEN n % 2 = 0 THEN 'DE' ELSE 'FR' END),
        'purchase', jsonb_build_object('count', n % 7, 'total', (n % 7) * 30, 'firstAt', null, 'lastAt', null),
        'pageView', jsonb_build_object('count', n % 11, 'lastAt', null), 'emailOpen', jsonb_build_object('count', n % 3, 'lastAt', null),
        'updatedAt', now()), now()
      FROM generate_series(${from}::int, ${to}::int) AS n`.execute(db);
    seed.update(to + 1);
  }
  seed.stop();

  const api = apiOf(segflow, 'segment');
  const rssBefore = rssMiB(service);
  resetPeakRss(service); // the peak from here on is the backfill's
  const cpuBefore = cpuSecondsOf(service)!;
  const started = performance.now();
  await expectStatus(api.POST('/v1/segments', { body: { id: 'bench', name: 'Bench', rule: { all: [{ field: 'purchase.count', op: 'gte', value: 3 }, { field: 'traits.country', op: 'eq', value: 'DE' }] } } }));
  const job = async () => (await expectStatus(api.GET('/v1/segments/{id}/backfill', { params: { path: { id: 'bench' } } })))!;
  const decidedMs = await timeUntil('backfill', PROFILES, async () => (await job()).processed, started);
  const report = await job();
  // Done once its membership events have left the outbox for Kafka, not only once its pages committed.
  const announced = report.entered + report.exited;
  const backfillMs = await timeUntil('membership events published', announced, async () => announced - (await countPendingOutbox(db, SEGMENT_OUTBOX)), started);
  const peakRss = peakRssMiB(service);
  // The service's CPU (user + system) over the backfill, per profile: steadier than the rate on a shared machine.
  const cpuUs = Math.round(((cpuSecondsOf(service)! - cpuBefore) * 1e6) / PROFILES);
  const rssAfter = rssMiB(service);
  const stopped = await segflow.stop();
  if (!stopped.every((line) => line.endsWith('exit 0'))) process.stderr.write(`the segment service did not stop cleanly; its last output:\n${segflow.processes[0]!.tail()}\n`);

  // The ceiling, after the backfill, from this process.
  let scanMs = 0;
  if (withBareScan) {
    const scanStart = performance.now();
    let scanned = 0;
    const scan = progress('bare paged scan (ceiling)', PROFILES);
    for (let cursor = ''; ; ) {
      const rows = await db.selectFrom('customer_profiles').select(['customer_id', 'profile']).where('customer_id', '>', cursor).orderBy('customer_id').limit(PAGE).execute();
      if (rows.length === 0) break;
      scanned += rows.length;
      cursor = rows.at(-1)!.customer_id;
      scan.update(scanned);
    }
    scan.stop();
    scanMs = performance.now() - scanStart;
  }
  await db.destroy();
  await database.drop();
  await forgetRedisKeys(infra.redisUrl, namespace);
  return {
    scanMs,
    line: `${rate(PROFILES, backfillMs)} profiles/s (${(backfillMs / 1000).toFixed(1)} s; every page committed at ${(decidedMs / 1000).toFixed(1)} s), ${cpuUs} µs CPU per profile; entered ${report.entered.toLocaleString('en')}; service RSS ${rssBefore} MiB before, ${rssAfter} MiB after, peak ${peakRss} MiB; ${stopped.join(', ')}`,
  };
};

const asStarted = await backfillRun(undefined, true);
const capped = await backfillRun([...SEGFLOW_NODE_FLAGS, '--max-old-space-size=2000'], false);
console.log(`\nbackfill over ${PROFILES.toLocaleString('en')} profiles (pages of ${PAGE})`);
console.log(`  bare paged scan (ceiling): ${rate(PROFILES, asStarted.scanMs)} profiles/s`);
console.log(`  backfill in the segment service (lock, evaluate, compare-and-set, outbox, published): ${asStarted.line}`);
console.log(`  the same with --max-old-space-size=2000 added: ${capped.line}`);

// ---- 2. per-event evaluation ----
const randomRule = (i: number): Rule => {
  const pick = i % 5;
  if (pick === 0) return { field: 'purchase.count', op: 'gte', value: i % 7 };
  if (pick === 1) return { field: `traits.custom.attr${i % 50}`, op: 'eq', value: `v${i % 3}` };
  if (pick === 2) return { all: [{ field: 'pageView.count', op: 'gt', value: i % 11 }, { field: 'traits.country', op: 'in', value: ['DE', 'FR'] }] };
  if (pick === 3) return { field: 'emailOpen.lastAt', op: 'withinLast', value: `${(i % 60) + 1}d` };
  return { any: [{ field: 'purchase.total', op: 'between', value: [i, i * 10] }, { not: { field: 'age', op: 'lt', value: 18 } }] };
};
const snapshot = (n: number, purchases: number): ProfileState => {
  const base = emptyProfile(`c-${n}`, now);
  return {
    ...base,
    version: purchases,
    traits: { country: n % 2 ? 'DE' : 'IT', birthDate: '1990-05-05', custom: { [`attr${n % 50}`]: `v${n % 3}` } },
    purchase: { ...base.purchase, count: purchases, total: purchases * 42, totalUnits: purchases * 420_000, lastAt: new Date(now - n * 1000).toISOString() },
    pageView: { ...base.pageView, count: n % 13 },
    emailOpen: { ...base.emailOpen, count: n % 5, lastAt: new Date(now - (n % 40) * 86_400_000).toISOString() },
  };
};
const compile = segmentCompiler();
const EVENTS = 20_000;
const changes = Array.from({ length: EVENTS }, (_, n) => ({ before: { profile: snapshot(n, n % 9), at: now - 1000 }, after: { profile: snapshot(n, (n % 9) + 1), at: now } }));
console.log(`per-event evaluation (${EVENTS.toLocaleString('en')} profile changes, each a new purchase)`);
console.log('  segments | with the index (µs/event) | evaluating all (µs/event) | segments evaluated per event');
for (const count of [10, 100, 1000]) {
  const segments = Array.from({ length: count }, (_, i) => compile({ id: `s-${i}`, name: `S${i}`, version: 1, rule: randomRule(i) }));
  const index = segmentIndex(segments);
  const time = (evaluate: (c: (typeof changes)[number]) => number) => {
    let evaluated = 0;
    const start = performance.now();
    for (const c of changes) evaluated += evaluate(c);
    return { us: ((performance.now() - start) * 1000) / EVENTS, evaluated: evaluated / EVENTS };
  };
  const indexed = time((c) => {
    const affected = index.affectedBy(c.before.profile, c.after.profile);
    decideMemberships(affected, c.before, c.after, new Map());
    return affected.length;
  });
  const all = time((c) => {
    decideMemberships(segments, c.before, c.after, new Map());
    return segments.length;
  });
  console.log(`  ${String(count).padStart(8)} | ${indexed.us.toFixed(1).padStart(25)} | ${all.us.toFixed(1).padStart(25)} | ${indexed.evaluated.toFixed(0)}`);
}

// ---- 3. planning a change against the e2e segments ----
const when = new Date(now);
const eventsOf = new Map<string, CustomerEvent[]>();
for (const produced of benchEvents(60_000, 8_000, 'plan-', now)) {
  const event = CustomerEvent.parse(toCustomerEvent(InputEvent.parse(JSON.parse(produced.value)), when));
  const list = eventsOf.get(event.customerId);
  if (list) list.push(event);
  else eventsOf.set(event.customerId, [event]);
}
const applyContext = { now: when, toBase: currencyConverter('EUR', {}), scoring: DEFAULT_SCORING_MODEL, limits: DEFAULT_PROFILE_LIMITS };
const built = [...eventsOf].map(([id, list]) => applyEventBatch(emptyProfile(id, when), list, applyContext).state);
const e2eSegments = benchSegments(20).map((s, i) => compile({ ...s, id: s.id ?? `bench-${i}`, version: 1 }));
const ROUNDS = 5;
const perProfile = (plan: (profile: ProfileState) => void) => {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const decoded = built.map((p) => JSON.parse(JSON.stringify(p)) as ProfileState); // new objects each round, as decoded from messages
    const cpu = process.cpuUsage();
    for (const profile of decoded) plan(profile);
    best = Math.min(best, cpuMicrosSince(cpu) / decoded.length);
  }
  return best;
};
const plan = (segments: ActiveSegment[]) => (profile: ProfileState) => planMemberships([{ profile, before: null, segments, memberships: new Map() }], now);
const matchesOnly = perProfile((profile) => decideMemberships(e2eSegments, null, { profile, at: now }, new Map()));
const planned = perProfile(plan(e2eSegments));
console.log(`\nplanning a change against bench:e2e's 20 segments (${built.length.toLocaleString('en')} profiles from its events; CPU, best of ${ROUNDS} rounds)`);
console.log(`  matches alone (the floor): ${matchesOnly.toFixed(1)} µs per profile`);
console.log(`  plan with the next evaluation instant (the service): ${planned.toFixed(1)} µs per profile`);
const alone = e2eSegments.map((segment) => ({ name: segment.name, us: perProfile(plan([segment])) })).sort((a, b) => b.us - a.us);
console.log(`  the costliest to plan alone: ${alone.slice(0, 5).map((a) => `${a.name} ${a.us.toFixed(1)} µs`).join(', ')}`);
