// A fresh laptop: Node.js and Java, no Postgres, no Redis, no Kafka answering. Run inside
// a network namespace of its own (see run.sh), so that nothing on the machine's loopback
// answers; only the Kafka jars are seeded into the cache folder, since the namespace has
// no network to fetch them. Starts `pnpm start`'s entry with no DATABASE_URL, follows the
// README's walkthrough through the typed client, stops segflow with SIGINT and checks
// that the embedded Postgres stopped with it.
import { spawn } from 'node:child_process';
import { createSegflowClient } from '@segflow/client';
import { buildServices, builtEntry } from '@segflow/service-kit/build';
import { createKafkaEventBus, silentLogger } from '@segflow/kafka';
import { EMBEDDED_POSTGRES_PORT, isPortOpen, stopLocalKafka, uniqueName } from '@segflow/testkit';
import { eventually } from '../support/eventually.js';

const PORT = 3000;
const url = `http://127.0.0.1:${PORT}`;
const step = (line: string) => process.stdout.write(`[fresh] ${line}\n`);
const fail = (message: string): never => {
  throw new Error(message);
};

for (const [what, port] of [['Postgres', 5432], ['Redis', 6379], ['Kafka', 9092]] as const) {
  if (await isPortOpen('127.0.0.1', port)) fail(`${what} answers on 127.0.0.1:${port}: this test needs a machine without it (run it through run.sh)`);
}

// Every setting at its default, as on a laptop: no DATABASE_URL, REDIS_URL or KAFKA_BROKERS.
const { DATABASE_URL: _database, REDIS_URL: _redis, KAFKA_BROKERS: _kafka, ...inherited } = process.env;
const env = { ...inherited, PORT: String(PORT), LOG_FORMAT: 'json' };
await buildServices(['all']); // as `pnpm start` does
const segflow = spawn(process.execPath, [builtEntry('all')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
let output = '';
segflow.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
const exited = new Promise<number | null>((resolve) => segflow.on('exit', (code) => resolve(code)));

try {
  step('starting segflow with nothing else running');
  await eventually(async () => (await fetch(`${url}/readyz`)).status, (status) => status === 200, { timeoutMs: 180_000, intervalMs: 500, what: 'segflow ready' });
  const logged = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; postgres?: string; kafka?: string; redis?: string });
  const running = logged.find((line) => line.msg === 'segflow is running') ?? fail('no "segflow is running" line');
  step(`running: Postgres ${running.postgres}; Kafka ${running.kafka}; Redis ${running.redis}`);
  if (!running.postgres?.includes('embedded')) fail(`Postgres did not come from the embedded server: ${running.postgres}`);
  if (!(await isPortOpen('127.0.0.1', EMBEDDED_POSTGRES_PORT))) fail('the embedded Postgres does not answer');

  const api = createSegflowClient({ baseUrl: url });
  const bus = createKafkaEventBus({ brokers: ['127.0.0.1:9092'], clientId: 'fresh-machine', logger: silentLogger });
  const membership: { type: string; data: { customerId: string; segmentId: string } }[] = [];
  const watcher = await bus.subscribe({
    groupId: uniqueName('fresh-watch'),
    topics: ['segment-membership.v1'],
    handler: async (batch) => {
      for (const m of batch.messages) membership.push(JSON.parse(m.value!.toString()) as (typeof membership)[number]);
      return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
    },
  });

  step('walkthrough: define a segment, send three purchases, see the enter event and the REST answers');
  const created = await api.POST('/v1/segments', { body: { name: 'Frequent buyers', rule: { field: 'purchase.count', op: 'gte', value: 3 } } });
  if (created.response.status !== 201 || !created.data) fail(`segment not created: ${created.response.status} ${JSON.stringify(created.error)}`);
  const segmentId = created.data!.id;
  for (const i of [1, 2, 3]) {
    const sent = await api.POST('/v1/events', {
      body: { eventId: `evt-${i}`, type: 'purchase', customerId: 'c-42', occurredAt: new Date().toISOString(), orderId: `o-${i}`, amount: 49.5, currency: 'EUR' },
    });
    if (sent.response.status !== 202) fail(`event ${i} not accepted: ${sent.response.status} ${JSON.stringify(sent.error)}`);
  }
  await eventually(async () => membership, (events) => events.some((e) => e.type === 'segflow.segment.entered' && e.data.customerId === 'c-42' && e.data.segmentId === segmentId), {
    timeoutMs: 60_000,
    what: 'segflow.segment.entered for c-42',
  });
  const segments = await eventually(
    async () => (await api.GET('/v1/customers/{id}/segments', { params: { path: { id: 'c-42' } } })).data,
    (answer) => answer?.segments.some((s) => s.segmentId === segmentId) === true,
    { what: 'c-42 in the segment (read from Postgres: no Redis)' },
  );
  step(`c-42 is in ${segments!.segments.map((s) => s.segmentId).join(', ')}`);
  const profile = await api.GET('/v1/customers/{id}', { params: { path: { id: 'c-42' } } });
  if (profile.data?.purchase.count !== 3) fail(`profile counts ${profile.data?.purchase.count} purchases, not 3`);

  step('erasing c-42: the exit event follows');
  const erased = await api.DELETE('/v1/customers/{id}', { params: { path: { id: 'c-42' } } });
  if (erased.response.status !== 202) fail(`erasure not accepted: ${erased.response.status}`);
  await eventually(async () => membership, (events) => events.some((e) => e.type === 'segflow.segment.exited' && e.data.customerId === 'c-42'), {
    timeoutMs: 60_000,
    what: 'segflow.segment.exited for c-42',
  });
  await watcher.stop();
  await bus.close();

  step('stopping segflow (SIGINT)');
  segflow.kill('SIGINT');
  const code = await exited;
  if (code !== 0) fail(`segflow exited with ${code}`);
  if (await isPortOpen('127.0.0.1', EMBEDDED_POSTGRES_PORT)) fail('the embedded Postgres still answers after segflow stopped');
  step('passed: started with an embedded Postgres and no Redis, walkthrough done, stopped cleanly');
} finally {
  if (segflow.exitCode === null) segflow.kill('SIGKILL');
  await stopLocalKafka({ port: 9092 });
}
