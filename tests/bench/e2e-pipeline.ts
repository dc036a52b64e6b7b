// The whole pipeline through its public contract: events produced to the source topics,
// CloudEvents read from segment-membership.v1, GET /v1/ops/consumer-lag polled until every
// group is at lag 0. segflow runs as child processes (`--mode=all|separate|scaled`); a bare
// single-hop pipeline runs on the same events in the same run, as the ceiling, and the same
// hop chained three times, as the ceiling of three hops (segflow's services), and twice; and
// phase 2's steady rate offered to them, as the ceiling of its latency.
//   pnpm bench:e2e [--mode=all] [--events=100000] [--customers=20000] [--segments=20]
//                  [--rate=2000] [--seconds=10] [--partitions=6]
import { createDb } from '@segflow/db';
import { topicsFor } from '@segflow/service-kit';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import { startBarePipeline } from './bare-pipeline.js';
import type { BarePipeline } from './bare-pipeline.js';
import { parseBenchArgs, startBenchRun } from './run.js';
import { describeStages, stageTotals, waitForDrain } from './segflow.js';
import { cpuMicrosSince, describeMachine, int, machine, machineCpuSeconds, percentiles, printSummary, progress, ratio, sleep, timeUntil } from './support.js';
import { benchEvents, enteringEvent, produceAll } from './workload.js';

const { mode, events: EVENTS, customers: CUSTOMERS, segments: SEGMENTS, rate: RATE, seconds: SECONDS, partitions: PARTITIONS } = parseBenchArgs({
  events: 100_000,
  customers: 20_000,
  segments: 20,
  rate: 2_000,
  seconds: 10,
  partitions: 6,
});

const run = await startBenchRun({ mode, partitions: PARTITIONS, segments: SEGMENTS, clientId: 'bench-e2e' });
const { bus, infra, namespace, topics, groups, prefix, segflow, cleanup } = run;

/** Produces `offered` to `topic` at RATE per second, stamping each one's send time in `sentAt` (performance.now()). */
const offerAtRate = async (topic: string, offered: { eventId: string; key: string; value: string }[], sentAt: Map<string, number>) => {
  for (const e of offered) sentAt.set(e.eventId, Number.NaN);
  const startedAt = performance.now();
  const publishes: Promise<void>[] = [];
  for (let sent = 0; sent < offered.length; await sleep(5)) {
    const due = Math.min(offered.length, Math.floor(((performance.now() - startedAt) / 1000) * RATE));
    if (due <= sent) continue;
    const now = performance.now();
    const batch = offered.slice(sent, due);
    for (const e of batch) sentAt.set(e.eventId, now);
    publishes.push(bus.publish(topic, batch.map(({ key, value }) => ({ key, value }))));
    sent = due;
  }
  await Promise.all(publishes);
  return { startedAt, seconds: (performance.now() - startedAt) / 1000 };
};

/**
 * From now until called with the events handled meanwhile: CPU per event of the whole machine
 * (Kafka and Postgres share its cores here, so what each request costs them shows too), of
 * segflow's processes, of the local broker (java processes), of this bench's process, and the
 * rest (Postgres, Redis, the kernel: Postgres's backends come and go with the bench's pools,
 * taking their CPU times with them, so they are not summed apart).
 */
const machineMeter = (segflowSeconds: () => number = () => 0) => {
  const before = { machine: machineCpuSeconds('java'), segflow: segflowSeconds(), bench: process.cpuUsage() };
  return (events: number) => {
    const after = machineCpuSeconds('java');
    const perEvent = (seconds: number) => Math.round((seconds / events) * 1e6);
    const all = perEvent(after.total - before.machine.total);
    const segflowUs = perEvent(segflowSeconds() - before.segflow);
    const kafka = perEvent(after.ofCommand - before.machine.ofCommand);
    const bench = Math.round(cpuMicrosSince(before.bench) / events);
    return { all, segflow: segflowUs, kafka, bench, rest: all - segflowUs - kafka - bench };
  };
};

type Latency = { sentAt: number; ms: number };

/** Records the latency of the first arrival of an offered event's id (later arrivals of the same id don't count). */
const matchArrival = (sentAt: Map<string, number>, latencies: Latency[], id: string | null, receivedAt: number) => {
  const sent = id === null ? undefined : sentAt.get(id);
  if (sent === undefined || !(sent > 0)) return; // not one of ours, or matched already
  latencies.push({ sentAt: sent, ms: receivedAt - sent });
  sentAt.set(id!, -1);
};

/** Percentiles of an offer's latencies; kept up: every one arrived, and the last second's median is within 1 s of the first's. */
const describeLatency = (latencies: Latency[], startedAt: number, expected: number) => {
  const inSecond = (from: number) => percentiles(latencies.filter((l) => l.sentAt - startedAt >= from * 1000 && l.sentAt - startedAt < (from + 1) * 1000).map((l) => l.ms)).p50;
  const [firstP50, lastP50] = [inSecond(0), inSecond(SECONDS - 1)];
  const received = latencies.length;
  return { ...percentiles(latencies.map((l) => l.ms)), received, expected, keptUp: received === expected && lastP50 - firstP50 < 1000, firstP50, lastP50 };
};

const roundedLatency = (l: ReturnType<typeof describeLatency>) => ({
  p50: Math.round(l.p50), p95: Math.round(l.p95), p99: Math.round(l.p99), max: Math.round(l.max), received: l.received, expected: l.expected, keptUp: l.keptUp, firstSecondP50: Math.round(l.firstP50), lastSecondP50: Math.round(l.lastP50),
});

try {
  // segment-membership.v1 as a consumer sees it: counted in phase 1, matched in phase 2.
  const sentAt = new Map<string, number>();
  const latencies: Latency[] = [];
  let membershipMessages = 0;
  const membership = await bus.subscribe({
    groupId: uniqueName('bench-membership'),
    topics: [topics.membership],
    handler: async (batch) => {
      membershipMessages += batch.messages.length;
      if (sentAt.size > 0) {
        const receivedAt = performance.now();
        for (const m of batch.messages) {
          const event = JSON.parse(m.value!.toString()) as { type: string; data: { causationEventId: string | null } };
          if (event.type === 'segflow.segment.entered') matchArrival(sentAt, latencies, event.data.causationEventId, receivedAt);
        }
      }
      return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
    },
  });
  cleanup.push(() => membership.stop());

  // ---- phase 1: throughput ----
  const events = benchEvents(EVENTS, CUSTOMERS, prefix);
  const produceBar = progress('producing events', EVENTS);
  const phase1Start = Date.now();
  const phase1Cpu = segflow.cpuSeconds();
  await produceAll((topic, messages) => bus.publish(topic, messages), topics, events, (n) => produceBar.update(n));
  produceBar.stop();
  const producedAt = Date.now();
  process.stderr.write('draining (committed / log end per consumer group)\n');
  const drainedAt = await waitForDrain(segflow, { groups, sourceEnd: EVENTS, afterMs: producedAt, timeoutMs: 30 * 60_000 });
  if (drainedAt === null) throw new Error('consumer lag did not reach 0 within 30 minutes');
  const drainSeconds = (drainedAt - phase1Start) / 1000;
  // CPU per event varies far less from run to run than events/s on a shared machine: the figure to compare builds by.
  const phase1CpuUs = ((segflow.cpuSeconds() - phase1Cpu) / EVENTS) * 1e6;
  const phase1Membership = membershipMessages;

  // ---- phase 2: latency at a steady offered rate ----
  const total = RATE * SECONDS;
  const latencyEvents = Array.from({ length: total }, (_, n) => enteringEvent(prefix, n));
  const stagesBefore = await stageTotals(segflow);
  const phase2CpuByProcess = segflow.cpuSecondsByProcess();
  const phase2Meter = machineMeter(() => segflow.cpuSeconds());
  const { startedAt: offerStart, seconds: offeredSeconds } = await offerAtRate(topics.purchase, latencyEvents, sentAt);
  const lastProduceAt = Date.now();
  // Stragglers get two minutes after the offer ended; what has not arrived by then is reported missing.
  const giveUpAt = performance.now() + 120_000;
  await timeUntil('entered events received', total, async () => {
    segflow.assertRunning();
    return performance.now() > giveUpAt ? total : latencies.length;
  });
  const stages = describeStages(stagesBefore, await stageTotals(segflow));
  const backAtZero = await waitForDrain(segflow, { groups, sourceEnd: EVENTS + total, afterMs: lastProduceAt, timeoutMs: 120_000 });
  // The whole machine's share, since Kafka and Postgres run on the same cores here: what each request segflow sends costs them too.
  const phase2MachineUs = phase2Meter(total);
  const phase2CpuUs = phase2MachineUs.segflow;
  // Apart (modes separate and scaled), each service's share: which hop the CPU goes to at this rate.
  const phase2CpuPerProcess = [...segflow.cpuSecondsByProcess()].map(([name, seconds]) => `${name} ${int(((seconds - (phase2CpuByProcess.get(name) ?? 0)) / total) * 1e6)} µs`).join(', ');
  const latency = describeLatency(latencies, offerStart, total);
  const peakRss = segflow.peakRssMiB();
  const warnings = segflow.processes.flatMap((p) => [...p.warnings].map(([msg, n]) => `${p.name}: ${msg} (${n}×)`));
  const stopped = await segflow.stop();

  /**
   * Offers phase 2's rate to a bare pipeline already drained of phase 1's events, timing each
   * from its produce until its output on `outputTopic` is read: the latency a bare pipeline
   * reaches on this machine, with the machine's CPU per event meanwhile.
   */
  const bareAtRate = async (label: string, sourceTopic: string, outputTopic: string, alreadyOut = EVENTS) => {
    const sentAtBare = new Map<string, number>();
    const arrivals: Latency[] = [];
    let read = 0;
    const reader = await bus.subscribe({
      groupId: uniqueName('bench-bare-output'),
      topics: [outputTopic],
      handler: async (batch) => {
        const receivedAt = performance.now();
        read += batch.messages.length;
        for (const m of batch.messages) matchArrival(sentAtBare, arrivals, (JSON.parse(m.value!.toString()) as { eventId: string }).eventId, receivedAt);
        return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
      },
    });
    try {
      await timeUntil(`${label} output read`, alreadyOut, async () => read); // phase 1's copy, read before the offer starts
      const offered = Array.from({ length: total }, (_, n) => enteringEvent(`${prefix}${label.replace(/\W/g, '')}-`, n));
      const meter = machineMeter();
      const { startedAt } = await offerAtRate(sourceTopic, offered, sentAtBare);
      const giveUpAt = performance.now() + 120_000;
      await timeUntil(`${label} at a steady rate`, total, async () => (performance.now() > giveUpAt ? total : arrivals.length));
      return { machineUs: meter(total), ...describeLatency(arrivals, startedAt, total) };
    } finally {
      await reader.stop();
    }
  };

  // ---- no hop: the offer read straight from the topic it is produced to (what producing, reading and the broker cost alone) ----
  const offeredTopic = `${namespace}bare0.offered`;
  await bus.createTopics([{ topic: offeredTopic, partitions: PARTITIONS }]);
  const noHopSteady = await bareAtRate('no hop', offeredTopic, offeredTopic, 0);

  // ---- the bare hop on the same events: alone (the ceiling), and chained twice and three times, as segflow's events travel (ingest, profile, segment) ----
  const bareDatabase = await createTestDatabase(infra.adminDatabaseUrl, 'segflow_bench');
  cleanup.push(() => bareDatabase.drop());
  const bareDb = createDb<unknown>(bareDatabase.url);
  cleanup.push(() => bareDb.destroy());
  /** `length` bare hops in a row, each consuming the one before's output with a table of its own: drained of the events, then offered phase 2's rate. */
  const runChain = async (length: 1 | 2 | 3, label: string) => {
    const chainTopics = topicsFor(`${namespace}bare${length}.`);
    const chainSources = [chainTopics.purchase, chainTopics.pageView, chainTopics.emailOpen, chainTopics.traits];
    const chainLinks = [chainTopics.customerEvents, chainTopics.profileChanges, chainTopics.membership].slice(3 - length);
    await bus.createTopics([...chainSources, ...chainLinks].map((topic) => ({ topic, partitions: PARTITIONS })));
    const hops: BarePipeline[] = [];
    for (const [i, outputTopic] of chainLinks.entries()) {
      const hop = await startBarePipeline({ bus, db: bareDb, groupId: `${namespace}bare${length}-${i}`, topics: i === 0 ? chainSources : [chainLinks[i - 1]!], outputTopic, table: `counts_${length}_hop${i}` });
      cleanup.push(() => hop.stop());
      hops.push(hop);
    }
    const chainStart = performance.now();
    const chainCpu = process.cpuUsage();
    await produceAll((topic, messages) => bus.publish(topic, messages), chainTopics, events);
    const seconds = (await timeUntil(label, EVENTS, async () => hops.at(-1)!.handled, chainStart)) / 1000;
    const cpuUs = cpuMicrosSince(chainCpu) / EVENTS;
    const steady = await bareAtRate(label, chainTopics.purchase, chainLinks.at(-1)!);
    for (const hop of hops) await hop.stop();
    return { seconds, rate: EVENTS / seconds, cpuUs, steady };
  };
  const { seconds: bareSeconds, rate: bareRate, cpuUs: bareCpuUs, steady: bareSteady } = await runChain(1, 'bare single-hop');
  const twoHops = await runChain(2, 'bare two-hop');
  const threeHops = await runChain(3, 'bare three-hop');
  const { rate: chainRate, cpuUs: chainCpuUs, steady: chainSteady } = threeHops;

  const segflowRate = EVENTS / drainSeconds;
  const ms = (n: number) => `${int(n)} ms`;
  const steadyName = (hops: string) => (hops === 'no hop' ? 'no hop (produce → read)' : `bare ${hops}`);
  const processes = stopped.length;
  const seen = machine();
  printSummary(
    `segflow end to end — mode ${mode}, ${int(EVENTS)} events over ${int(CUSTOMERS)} customers, ${SEGMENTS} segments, ${PARTITIONS} partitions`,
    [
      ['segflow / bare pipeline (events/s)', `${ratio(segflowRate, bareRate)} ×`],
      ['segflow throughput', `${int(segflowRate)} events/s (${drainSeconds.toFixed(1)} s from first produce to every group at lag 0)`],
      ['bare single-hop pipeline', `${int(bareRate)} events/s (${bareSeconds.toFixed(1)} s: parse, UNNEST upsert + offsets, produce acks -1)`],
      ['bare three-hop pipeline / single-hop', `${ratio(chainRate, bareRate)} × (${int(chainRate)} events/s: the same hop three times in a row, as segflow's three services; segflow / three-hop ${ratio(segflowRate, chainRate)} ×)`],
      ['bare two-hop pipeline / single-hop', `${ratio(twoHops.rate, bareRate)} × (${int(twoHops.rate)} events/s)`],
      [`latency at ${int(RATE)} events/s for ${SECONDS} s`, `p50 ${ms(latency.p50)}, p95 ${ms(latency.p95)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)} (produce → segment.entered received)`],
      ['kept up', `${latency.keptUp ? 'yes' : 'no'}: ${int(latency.received)}/${int(total)} entered received; p50 of the first second ${ms(latency.firstP50)}, of the last ${ms(latency.lastP50)}; offered in ${offeredSeconds.toFixed(1)} s`],
      ...([['no hop', noHopSteady], ['single-hop', bareSteady], ['two-hop', twoHops.steady], ['three-hop', chainSteady]] as const).map(([hops, l]): [string, string] => [
        `${steadyName(hops)} at ${int(RATE)} events/s`,
        `p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)}; kept up: ${l.keptUp ? 'yes' : 'no'} (${int(l.received)}/${int(total)} received; produce → its last hop's output received)`,
      ]),
      ['segflow CPU per event', `${int(phase1CpuUs)} µs in phase 1, ${int(phase2CpuUs)} µs in phase 2 (all segflow processes, user + system)`],
      ...(processes > 1 ? [['… in phase 2, by process', phase2CpuPerProcess] as [string, string]] : []),
      ['machine CPU per event in phase 2', `${int(phase2MachineUs.all)} µs: segflow ${int(phase2MachineUs.segflow)}, the Kafka broker (java processes) ${int(phase2MachineUs.kafka)}, this bench (producing, matching) ${int(phase2MachineUs.bench)}, the rest (Postgres, Redis, the kernel, other work) ${int(phase2MachineUs.rest)}`],
      ...([['no hop', noHopSteady], ['single-hop', bareSteady], ['two-hop', twoHops.steady], ['three-hop', chainSteady]] as const).map(([hops, { machineUs: m }]): [string, string] => [
        `machine CPU per event, ${steadyName(hops)} at ${int(RATE)}/s`,
        `${int(m.all)} µs: the Kafka broker ${int(m.kafka)}, this bench (${hops === 'no hop' ? 'producing, reading' : 'the hops, producing, matching'}) ${int(m.bench)}, the rest ${int(m.rest)}`,
      ]),
      ['bare pipeline CPU per event', `${int(bareCpuUs)} µs single-hop, ${int(twoHops.cpuUs)} µs two-hop, ${int(chainCpuUs)} µs three-hop (its process, which also produced the events)`],
      ['where phase 2 went', stages],
      ['lag back at 0 after phase 2', backAtZero === null ? 'not within 120 s' : `${((backAtZero - lastProduceAt) / 1000).toFixed(1)} s after the last produce`],
      ['peak RSS (VmHWM, summed)', `${int(peakRss)} MiB over ${processes} process${processes === 1 ? '' : 'es'}`],
      ['membership events in phase 1', int(phase1Membership)],
      ['segflow stopped', stopped.join(', ')],
      ['segflow warnings', warnings.length === 0 ? 'none' : warnings.slice(0, 8).join('; ')],
      ['machine', describeMachine(seen)],
    ],
    {
      bench: 'e2e', mode, events: EVENTS, customers: CUSTOMERS, segments: SEGMENTS, partitions: PARTITIONS, ...seen,
      ratio: ratio(segflowRate, bareRate), segflowEventsPerSec: Math.round(segflowRate), bareEventsPerSec: Math.round(bareRate),
      threeHopRatio: ratio(chainRate, bareRate), threeHopEventsPerSec: Math.round(chainRate),
      twoHopRatio: ratio(twoHops.rate, bareRate), twoHopEventsPerSec: Math.round(twoHops.rate),
      drainSeconds: Number(drainSeconds.toFixed(2)), bareSeconds: Number(bareSeconds.toFixed(2)),
      latency: { rate: RATE, seconds: SECONDS, ...roundedLatency(latency) },
      noHopLatency: { ...roundedLatency(noHopSteady), machineCpuPerEventUs: noHopSteady.machineUs },
      bareLatency: { ...roundedLatency(bareSteady), machineCpuPerEventUs: bareSteady.machineUs },
      bareTwoHopLatency: { ...roundedLatency(twoHops.steady), machineCpuPerEventUs: twoHops.steady.machineUs },
      bareThreeHopLatency: { ...roundedLatency(chainSteady), machineCpuPerEventUs: chainSteady.machineUs },
      cpuPerEventUs: { phase1: Math.round(phase1CpuUs), phase2: Math.round(phase2CpuUs), bare: Math.round(bareCpuUs), bareTwoHop: Math.round(twoHops.cpuUs), bareThreeHop: Math.round(chainCpuUs) },
      phase2CpuByProcess: phase2CpuPerProcess,
      phase2MachineCpuPerEventUs: phase2MachineUs,
      phase2Stages: stages,
      lagBackAtZeroSeconds: backAtZero === null ? null : Number(((backAtZero - lastProduceAt) / 1000).toFixed(2)),
      peakRssMiB: peakRss, processes, phase1MembershipEvents: phase1Membership,
    },
  );
} finally {
  await run.finish();
}
