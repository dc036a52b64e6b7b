// Profile service throughput: events/s through Kafka → Postgres, beside a bare baseline
// measured in the same run on the same events: consume + one UNNEST upsert per batch that
// only counts events per customer (no validation, dedupe, profile model or outbox), and the
// same baseline producing one message per event, as the profile service publishes changes.
//   pnpm bench:profile            (BENCH_EVENTS=200000 BENCH_CUSTOMERS=100000 by default)
import { randomUUID } from 'node:crypto';
import { createDb, storedOffsets } from '@segflow/db';
import { createKafkaEventBus } from '@segflow/kafka';
import { createLogger } from '@segflow/observability';
import { createProfileService } from '@segflow/profile';
import type { ProfileDb } from '@segflow/profile';
import { groupFor, topicsFor } from '@segflow/service-kit';
import { createTestDatabase, provideInfrastructure, uniqueName } from '@segflow/testkit';
import { startBarePipeline } from './bare-pipeline.js';
import { cpuMicrosSince, progress, rssMiB, timeUntil } from './support.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const PARTITIONS = 6;

const infra = await provideInfrastructure({ log: (line) => process.stderr.write(`${line}\n`) });
const log = createLogger({ level: 'warn', name: 'bench' });
const bus = createKafkaEventBus({ brokers: infra.kafkaBrokers, clientId: 'bench', logger: log });
const namespace = `${uniqueName('bench')}.`;
const topics = topicsFor(namespace);
await bus.createTopics([topics.customerEvents, topics.profileChanges].map((topic) => ({ topic, partitions: PARTITIONS })));

// 1. The same events for both runs, produced once.
const produce = progress('producing events', EVENTS);
const types = ['purchase', 'page_view', 'email_open'] as const;
for (let sent = 0; sent < EVENTS; ) {
  const chunk = Math.min(5_000, EVENTS - sent);
  const messages = Array.from({ length: chunk }, (_, i) => {
    const n = sent + i;
    const customerId = `c-${n % CUSTOMERS}`;
    const type = types[n % types.length]!;
    const common = { eventId: randomUUID(), customerId, occurredAt: new Date(Date.now() - (n % 86_400) * 1000).toISOString(), receivedAt: new Date().toISOString() };
    const event =
      type === 'purchase'
        ? { ...common, type, orderId: `o-${n}`, amount: (n % 200) + 0.5, currency: 'EUR', items: [{ sku: `s-${n % 50}`, category: `cat-${n % 12}`, quantity: 1, price: (n % 200) + 0.5 }] }
        : type === 'page_view'
          ? { ...common, type, url: `/p/${n % 500}`, category: `cat-${n % 12}` }
          : { ...common, type, campaignId: `k-${n % 20}` };
    return { key: customerId, value: JSON.stringify(event) };
  });
  await bus.publish(topics.customerEvents, messages);
  sent += chunk;
  produce.update(sent);
}
produce.stop();

const consumedBy = async (db: ReturnType<typeof createDb<ProfileDb>>, groupId: string) => {
  const offsets = await storedOffsets(db, groupId, Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: topics.customerEvents, partition })));
  return [...offsets.values()].reduce((sum, o) => sum + Number(o), 0);
};

// 2. Baselines: consume + one UNNEST upsert per batch, offsets in the same transaction; then the
//    same also producing one message per event (acks -1), as the profile service publishes the changes it makes.
const baselineDb = await createTestDatabase(infra.databaseUrl, 'segflow_bench');
const bdb = createDb<ProfileDb>(baselineDb.url);
const timeBaseline = async (label: string, table: string, outputTopic?: string) => {
  const startedAt = performance.now();
  const cpu = process.cpuUsage();
  const pipeline = await startBarePipeline({ bus, db: bdb, groupId: `${namespace}${table}`, topics: [topics.customerEvents], outputTopic, table });
  const ms = await timeUntil(label, EVENTS, async () => pipeline.handled, startedAt);
  const cpuUs = cpuMicrosSince(cpu) / EVENTS;
  await pipeline.stop();
  return { ms, cpuUs };
};
const { ms: baselineMs, cpuUs: baselineCpuUs } = await timeBaseline('baseline consume+upsert', 'baseline');
const { ms: producingMs, cpuUs: producingCpuUs } = await timeBaseline('baseline + produce', 'baseline_producing', topics.profileChanges);

// 3. The profile service, alone, on the same events.
const serviceDb = await createTestDatabase(infra.databaseUrl, 'segflow_bench');
const pdb = createDb<ProfileDb>(serviceDb.url);
const rssBefore = rssMiB();
const service = createProfileService({ db: pdb, databaseUrl: serviceDb.url, bus, log, topics, namespace, partitions: PARTITIONS, baseCurrency: 'EUR', fxRates: {} });
const serviceStart = performance.now();
const serviceCpu = process.cpuUsage();
await service.start();
const serviceMs = await timeUntil('profile service', EVENTS, () => consumedBy(pdb, groupFor(namespace, 'profile')), serviceStart);
const serviceCpuUs = cpuMicrosSince(serviceCpu) / EVENTS;
const rssAfter = rssMiB();
await service.stop();

const rate = (ms: number) => Math.round(EVENTS / (ms / 1000));
const customers = await pdb.selectFrom('profiles').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
console.log(`\nprofile service throughput — ${EVENTS} events, ${CUSTOMERS} customers, ${PARTITIONS} partitions`);
console.log(`  baseline (consume + one UNNEST upsert per batch): ${rate(baselineMs).toLocaleString('en')} events/s (${(baselineMs / 1000).toFixed(1)} s), ${Math.round(baselineCpuUs)} µs CPU per event`);
console.log(`  baseline producing one message per event: ${rate(producingMs).toLocaleString('en')} events/s (${(producingMs / 1000).toFixed(1)} s), ${Math.round(producingCpuUs)} µs CPU per event (${(rate(producingMs) / rate(baselineMs)).toFixed(2)} of the baseline)`);
console.log(`  profile service (validate, dedupe, model, outbox): ${rate(serviceMs).toLocaleString('en')} events/s (${(serviceMs / 1000).toFixed(1)} s), ${Math.round(serviceCpuUs)} µs CPU per event`);
console.log(`  ratio: ${(rate(serviceMs) / rate(baselineMs)).toFixed(2)} of the baseline, ${(rate(serviceMs) / rate(producingMs)).toFixed(2)} of the producing baseline; profiles stored: ${customers.n}; process RSS ${rssBefore} → ${rssAfter} MiB`);

await bus.close();
await bdb.destroy();
await pdb.destroy();
await baselineDb.drop();
await serviceDb.drop();
await infra.stop();
