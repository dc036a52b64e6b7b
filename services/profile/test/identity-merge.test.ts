import type { Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CustomerEvent, ProfileChange } from '@segflow/contracts';
import { createDb } from '@segflow/db';
import type { BusMessage } from '@segflow/kafka';
import { createMemoryEventBus } from '@segflow/kafka';
import { createLogger, createMetrics } from '@segflow/observability';
import { currencyConverter, DEFAULT_PROFILE_LIMITS, emptyProfile } from '@segflow/profile-model';
import { createTestDatabase, uniqueName } from '@segflow/testkit';
import type { TestDatabase } from '@segflow/testkit';
import { eraseCustomer } from '../src/data-access/erasure.repository.js';
import { lockProfiles, saveProfiles } from '../src/data-access/profile.repository.js';
import { applyCustomerEvents } from '../src/entry-points/kafka/customer-events.handler.js';
import { migrateProfile } from '../src/index.js';
import type { ProfileDb } from '../src/index.js';

/** Identify events through the profile service's batch handler and repositories, over a real Postgres. */
describe('identity merge in the profile store', () => {
  let database: TestDatabase;
  let db: ReturnType<typeof createDb<ProfileDb>>;
  const now = new Date();
  const apply = applyCustomerEvents({
    bus: createMemoryEventBus(),
    dlqTopic: 'dlq',
    profileChangesTopic: 'changes',
    toBase: currencyConverter('EUR', {}),
    limits: DEFAULT_PROFILE_LIMITS,
    now: () => now,
    log: createLogger({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
  });
  beforeAll(async () => {
    database = await createTestDatabase(inject('databaseUrl'));
    db = createDb<ProfileDb>(database.url);
    await migrateProfile(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  let offset = 0n;
  const message = (event: CustomerEvent): BusMessage => ({
    topic: 'customer-events',
    partition: 0,
    offset: offset++,
    key: event.customerId,
    value: Buffer.from(JSON.stringify(event)),
    headers: {},
    timestamp: now.getTime(),
  });
  const run = (events: CustomerEvent[]) => db.transaction().execute(async (trx) => apply(trx, events.map(message)));
  const occurredAt = new Date(now.getTime() - 60_000).toISOString();
  const view = (customerId: string): CustomerEvent => ({ eventId: uniqueName('e'), type: 'page_view', customerId, occurredAt, receivedAt: occurredAt, url: '/shoes' });
  const identify = (anonymousId: string, customerId: string): CustomerEvent => ({ eventId: uniqueName('i'), type: 'identify', customerId, anonymousId, occurredAt, receivedAt: occurredAt });
  const rowOf = (id: string) => db.selectFrom('profiles').select(['version', 'merged_into', 'state']).where('customer_id', '=', id).executeTakeFirst();
  /** Runs `work` in a transaction and rolls it back, as the batch handler does when a row moved under it. */
  const rolledBack = async <T>(work: (trx: Transaction<ProfileDb>) => Promise<T>): Promise<T> => {
    let result: T | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        result = await work(trx);
        throw new Error('rollback');
      })
      .catch((error: unknown) => {
        if ((error as Error).message !== 'rollback') throw error;
      });
    return result as T;
  };
  const changesFor = async (ids: string[]) =>
    (await db.selectFrom('outbox').select('value').where('key', 'in', ids).orderBy('id').execute()).map((r) => JSON.parse(r.value) as ProfileChange);

  it('folds the anonymous profile into the customer, keeps an alias row, and counts later events for the customer', async () => {
    const [anon, known] = [uniqueName('anon'), uniqueName('k')];
    await run([view(anon), view(anon), view(known)]);
    await run([identify(anon, known)]);
    expect(await rowOf(anon)).toMatchObject({ merged_into: known, version: 2, state: { version: 2, pageView: { count: 0 } } });
    expect(await rowOf(known)).toMatchObject({ merged_into: null, version: 3, state: { pageView: { count: 3 } } });
    await run([view(anon), identify(anon, known)]);
    expect(await rowOf(known)).toMatchObject({ version: 4, state: { pageView: { count: 4 } } });
    expect((await changesFor([anon, known])).map((c) => [c.kind, c.customerId, c.kind === 'updated' ? c.reason ?? 'event' : c.kind === 'merged' ? c.into : null])).toEqual([
      ['updated', anon, 'event'],
      ['updated', known, 'event'],
      ['merged', anon, known],
      ['updated', known, 'merged'],
      ['updated', known, 'event'],
    ]);
  });

  it('refuses to store an anonymous profile that an identify merged after the batch found no row for it', async () => {
    const [anon, known] = [uniqueName('anon'), uniqueName('k')];
    const outcome = await rolledBack(async (trx) => {
      const locked = await lockProfiles(trx, [anon]);
      expect(locked.stored.size).toBe(0);
      await run([identify(anon, known)]); // commits the alias meanwhile, on another connection
      return saveProfiles(trx, [{ state: { ...emptyProfile(anon, now), version: 1 } }], locked.stored);
    });
    expect(outcome).toEqual([anon]);
    expect(await rowOf(anon)).toMatchObject({ merged_into: known });
  });

  it('retries a merge when the anonymous profile was created after the identify found none, waiting for that batch to commit', async () => {
    const [anon, known] = [uniqueName('anon'), uniqueName('k')];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let created!: () => void;
    const inserted = new Promise<void>((resolve) => (created = resolve));
    const writer = db.transaction().execute(async (trx) => {
      await saveProfiles(trx, [{ state: { ...emptyProfile(anon, now), version: 1 } }], new Set());
      created();
      await held;
    });
    await inserted;
    const merging = rolledBack(async (trx) => {
      const locked = await lockProfiles(trx, [anon, known]); // the uncommitted row is not visible, nor locked
      return saveProfiles(trx, [{ state: emptyProfile(anon, now), mergedInto: known }], locked.stored);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await writer;
    expect(await merging).toEqual([anon]);
    expect(await rowOf(anon)).toMatchObject({ merged_into: null, version: 1 });
    // the retried batch finds the row and merges it
    await run([identify(anon, known)]);
    expect(await rowOf(anon)).toMatchObject({ merged_into: known });
    expect(await rowOf(known)).toMatchObject({ merged_into: null, version: 1 });
  });

  it('refuses to overwrite a profile another batch created after this one found none', async () => {
    const known = uniqueName('k');
    const moved = await rolledBack(async (trx) => {
      const locked = await lockProfiles(trx, [known]);
      await run([view(known)]); // a batch of another partition, routed here through an alias, commits first
      return saveProfiles(trx, [{ state: { ...emptyProfile(known, now), version: 1 } }], locked.stored);
    });
    expect(moved).toEqual([known]);
    expect(await rowOf(known)).toMatchObject({ version: 1, state: { pageView: { count: 1 } } });
  });

  it('erases the customer with every id merged into it, their dedupe records and aliases, and names them in the change', async () => {
    const [a, b, c] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    await run([view(a), view(b), view(c)]);
    await run([identify(a, b)]);
    await run([identify(b, c)]);
    await run([view(a)]);
    expect(await rowOf(c)).toMatchObject({ version: 4, state: { pageView: { count: 4 } } });
    expect(await eraseCustomer(db, c, { now, profileChangesTopic: 'changes', outboxProducer: 'profile' })).toBe(true);
    for (const id of [a, b, c]) expect(await rowOf(id)).toBeUndefined();
    const processed = await db.selectFrom('processed_events').select('event_id').where('customer_id', 'in', [a, b, c]).execute();
    expect(processed).toEqual([]);
    const erased = (await changesFor([c])).at(-1);
    expect(erased).toMatchObject({ kind: 'erased', customerId: c });
    expect(erased?.kind === 'erased' && [...(erased.merged ?? [])].sort()).toEqual([a, b].sort());
    // the anonymous ids start afresh
    await run([view(a)]);
    expect(await rowOf(a)).toMatchObject({ merged_into: null, version: 1 });
  });
});
