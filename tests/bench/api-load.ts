// GET /v1/customers/{id}/segments under load (autocannon, 50 connections) against a running
// segflow whose customers are members of segments, beside a bare fastify route in the same
// run that returns the same JSON bodies.
//   pnpm bench:api [--mode=all] [--customers=3000] [--segments=20] [--connections=50] [--duration=10] [--rounds=2]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parseBenchArgs, startBenchRun } from './run.js';
import { apiOf, expectStatus, waitForDrain } from './segflow.js';
import { describeMachine, int, machine, printSummary, progress, ratio } from './support.js';
import { benchEvents, produceAll } from './workload.js';

const { mode, customers: CUSTOMERS, segments: SEGMENTS, connections: CONNECTIONS, duration: DURATION, rounds: ROUNDS } = parseBenchArgs({ customers: 3_000, segments: 20, connections: 50, duration: 10, rounds: 2 });
const EVENTS_PER_CUSTOMER = 6;

/** Runs autocannon against `url` for `duration` s, cycling through `ids`. */
const load = async (url: string, ids: string[], duration: number) => {
  let next = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/v1/customers/${encodeURIComponent(ids[next++ % ids.length]!)}/segments` }) }],
  });
};

// The rate limiter stays on (its cost is part of the route) with a budget out of the load's reach.
const run = await startBenchRun({ mode, partitions: 6, segments: SEGMENTS, clientId: 'bench-api', env: { SEGFLOW_RATE_LIMIT_PER_MINUTE: '1000000000' } });
const { bus, topics, groups, prefix, segflow, cleanup } = run;

try {
  // Customers with a few events each, so that most are in several segments.
  const events = benchEvents(CUSTOMERS * EVENTS_PER_CUSTOMER, CUSTOMERS, prefix);
  const producedBar = progress('producing events', events.length);
  await produceAll((topic, messages) => bus.publish(topic, messages), topics, events, (n) => producedBar.update(n));
  producedBar.stop();
  if ((await waitForDrain(segflow, { groups, sourceEnd: events.length, afterMs: Date.now(), timeoutMs: 30 * 60_000 })) === null) throw new Error('consumer lag did not reach 0');

  // The bodies segflow answers, which the bare route will answer too.
  const api = segflow.urlOf('segment');
  const client = apiOf(segflow, 'segment');
  const bodies: [string, { segments: unknown[] }][] = [];
  const ids = Array.from({ length: CUSTOMERS }, (_, n) => `${prefix}c-${n}`);
  const fetched = progress('reading customer segments', ids.length);
  for (let from = 0; from < ids.length; from += 20) {
    const answers = await Promise.all(ids.slice(from, from + 20).map(async (id) => [id, await expectStatus(client.GET('/v1/customers/{id}/segments', { params: { path: { id } } }), [200, 404])] as const));
    for (const [id, body] of answers) if (body) bodies.push([id, body]);
    fetched.update(Math.min(from + 20, ids.length));
  }
  fetched.stop();
  const known = bodies.map(([id]) => id);
  const members = bodies.filter(([, b]) => b.segments.length > 0).length;
  const memberships = bodies.reduce((sum, [, b]) => sum + b.segments.length, 0);
  const bodyBytes = bodies.reduce((sum, [, b]) => sum + JSON.stringify(b).length, 0) / bodies.length;

  const bare = fork(fileURLToPath(new URL('./bare-api-server.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  cleanup.push(async () => void bare.kill('SIGTERM'));
  const bareUrl = await new Promise<string>((resolve, reject) => {
    bare.once('message', (m: { url: string }) => resolve(m.url));
    bare.once('exit', (code) => reject(new Error(`the bare server exited (${code})`)));
    bare.send(bodies);
  });

  // Rounds alternate the two targets, so that others' load on the machine falls on both alike;
  // the best round of each is reported (the least disturbed one), every round in the JSON.
  process.stderr.write(`load: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s on segflow then the bare route, after 2 s of warm-up each\n`);
  await load(api, known, 2);
  await load(bareUrl, known, 2);
  const rounds: { segflow: autocannon.Result; bare: autocannon.Result }[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push({ segflow: await load(api, known, DURATION), bare: await load(bareUrl, known, DURATION) });
  const best = (of: 'segflow' | 'bare') => rounds.map((r) => r[of]).reduce((a, b) => (b.requests.average > a.requests.average ? b : a));
  const [viaSegflow, viaBare] = [best('segflow'), best('bare')];
  const peakRss = segflow.peakRssMiB();

  const row = (r: autocannon.Result) =>
    `${int(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms (${int(r.requests.total)} requests, ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts)`;
  const figures = (r: autocannon.Result) => ({ reqPerSec: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts });
  const seen = machine();
  printSummary(
    `GET /v1/customers/{id}/segments — mode ${mode}, ${int(known.length)} customers (${int(members)} in a segment, ${(memberships / bodies.length).toFixed(1)} segments each, ${int(bodyBytes)} B a body), ${CONNECTIONS} connections, best of ${ROUNDS} × ${DURATION} s`,
    [
      ['segflow / bare route (req/s)', `${ratio(viaSegflow.requests.average, viaBare.requests.average)} ×`],
      ['segflow / bare route (p99 latency)', `${ratio(viaSegflow.latency.p99, viaBare.latency.p99)} ×`],
      ['segflow', row(viaSegflow)],
      ['bare fastify route, same bodies', row(viaBare)],
      ...(viaSegflow.non2xx + viaSegflow.errors > 0 ? [['WARNING', 'segflow answered errors or non-2xx: these figures are not of the route'] as [string, string]] : []),
      ['req/s in each round (segflow | bare)', rounds.map((r) => `${int(r.segflow.requests.average)} | ${int(r.bare.requests.average)}`).join(', ')],
      ['segflow peak RSS (VmHWM, summed)', `${int(peakRss)} MiB`],
      ['machine', describeMachine(seen)],
    ],
    {
      bench: 'api', mode, customers: known.length, members, segments: SEGMENTS, connections: CONNECTIONS, duration: DURATION, ...seen,
      ratio: ratio(viaSegflow.requests.average, viaBare.requests.average), p99Ratio: ratio(viaSegflow.latency.p99, viaBare.latency.p99),
      segflow: figures(viaSegflow), bare: figures(viaBare), perRound: rounds.map((r) => ({ segflow: Math.round(r.segflow.requests.average), bare: Math.round(r.bare.requests.average) })), peakRssMiB: peakRss,
    },
  );
} finally {
  await run.finish();
}
