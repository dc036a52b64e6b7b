// Outbox relay drain rate: BENCH_ROWS membership-sized rows (default 100,000) already in the
// outbox, as a crash, a broker outage or a large backfill leaves them, published and deleted
// by a relay, once per page size in BENCH_RELAY_PAGES (default 500,2000: the relay's default
// and the one before it); beside the ceiling of the same messages published straight from
// memory in produce requests of the relay's size, in the same run.
//   pnpm bench:relay
import { sql } from 'kysely';
import { countPendingOutbox, createDb, migrateToLatest, sharedMigrations, startOutboxRelay } from '@segflow/db';
import type { SharedTables } from '@segflow/db';
import { createKafkaEventBus, silentLogger } from '@segflow/kafka';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import { benchInfrastructure } from './segflow.js';
import { cpuMicrosSince, int, progress, ratio } from './support.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const PAGES = (process.env.BENCH_RELAY_PAGES ?? '500,2000').split(',').map(Number);
const infra = await benchInfrastructure();
const database = await createTestDatabase(infra.adminDatabaseUrl, 'segflow_bench');
const db = createDb<SharedTables>(database.url);
await migrateToLatest(db as never, 'shared', sharedMigrations);
const bus = createKafkaEventBus({ brokers: infra.kafkaBrokers, clientId: 'bench-relay', logger: silentLogger });
const topic = uniqueName('bench-relay');
await bus.createTopics([{ topic, partitions: 6 }]);
// About the size of a membership CloudEvent with its explanation.
const value = JSON.stringify({ specversion: '1.0', type: 'segflow.segment.entered', data: { explanation: 'x'.repeat(700) } });
const headers = { 'content-type': 'application/cloudevents+json' };
const log = { info: () => undefined, warn: () => undefined, error: (obj: object, msg?: string) => console.error(msg, obj) };

const measure = async (label: string, run: () => Promise<void>, done: () => number) => {
  const bar = progress(label, ROWS);
  const timer = setInterval(() => bar.update(done()), 200);
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const seconds = (performance.now() - start) / 1000;
  clearInterval(timer);
  bar.update(ROWS);
  bar.stop();
  return { perSecond: ROWS / seconds, cpuUs: cpuMicrosSince(cpu) / ROWS };
};

// The ceiling: the same messages from memory, in requests of 2,000.
let sent = 0;
const ceiling = await measure(
  'publish from memory (ceiling)',
  async () => {
    for (; sent < ROWS; sent += 2000) {
      const n = Math.min(2000, ROWS - sent);
      await bus.publish(topic, Array.from({ length: n }, (_, i) => ({ key: `c-${sent + i}`, value, headers })));
    }
  },
  () => sent,
);

const results: { page: number; perSecond: number; cpuUs: number }[] = [];
for (const page of PAGES) {
  await sql`INSERT INTO outbox (producer, topic, key, value, headers)
    SELECT 'bench', ${topic}, 'c-' || n, ${value}, ${JSON.stringify(headers)}::jsonb FROM generate_series(1, ${ROWS}::int) AS n`.execute(db);
  let pending = ROWS;
  const relay = await startOutboxRelay({ db, databaseUrl: database.url, bus, producer: 'bench', log, batchSize: page, idlePollMs: 50 });
  const drained = await measure(
    `relay, pages of ${page}`,
    async () => {
      while ((pending = await countPendingOutbox(db, 'bench')) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    () => ROWS - pending,
  );
  await relay.stop();
  results.push({ page, ...drained });
}

console.log(`\noutbox relay draining ${int(ROWS)} rows of ${value.length} bytes (6 partitions)`);
console.log(`  publish from memory (ceiling): ${int(ceiling.perSecond)} messages/s, ${ceiling.cpuUs.toFixed(0)} µs CPU per message`);
for (const r of results) console.log(`  relay, pages of ${r.page}: ${int(r.perSecond)} rows/s (${ratio(r.perSecond, ceiling.perSecond)} × the ceiling), ${r.cpuUs.toFixed(0)} µs CPU per row`);

await bus.close();
await db.destroy();
await database.drop();
