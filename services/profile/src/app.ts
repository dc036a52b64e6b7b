import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { migrateToLatest, readOutboxBacklog, resilientBatchHandler, sharedMigrations, startOutboxRelay, startPositions } from '@segflow/db';
import type { OutboxRelay } from '@segflow/db';
import type { EventBus, Subscription } from '@segflow/kafka';
import { AppError, createMetrics } from '@segflow/observability';
import type { Logger, SegflowMetrics } from '@segflow/observability';
import { currencyConverter, DEFAULT_LIFECYCLE_CONFIG, DEFAULT_PROFILE_LIMITS } from '@segflow/profile-model';
import type { LifecycleConfig, ProfileLimits } from '@segflow/profile-model';
import type { ServiceModule, Topics } from '@segflow/service-kit';
import { CONCURRENT_PARTITIONS, consumerReadiness, groupFor, measuredBatches } from '@segflow/service-kit';
import { sql } from 'kysely';
import { profileMigrations } from '../migrations/index.js';
import type { ProfileDb } from './data-access/tables.js';
import { customersRoutes } from './entry-points/http/customers.routes.js';
import { scoringModelRoutes } from './entry-points/http/scoring-model.routes.js';
import { startDedupeExpiry } from './entry-points/schedule/dedupe-expiry.job.js';
import { startRfmQuintilesJob } from './entry-points/schedule/rfm-quintiles.job.js';
import type { RfmQuintilesJob } from './entry-points/schedule/rfm-quintiles.job.js';
import { applyCustomerEvents, PROFILE_OUTBOX } from './entry-points/kafka/customer-events.handler.js';

export interface ProfileDeps {
  db: Kysely<ProfileDb>;
  databaseUrl: string;
  bus: EventBus;
  log: Logger;
  topics: Topics;
  namespace: string;
  partitions: number;
  baseCurrency: string;
  fxRates: Readonly<Record<string, number>>;
  dedupe?: { horizonMs: number; expiryIntervalMs: number };
  /** Categories and campaigns kept per customer before folding into `__other__`. */
  limits?: ProfileLimits;
  rfmIntervalMs?: number;
  /** Lifecycle thresholds of the derived view; the defaults when not given. */
  lifecycle?: LifecycleConfig;
  /** The process's metrics; a private registry when not given (tests). */
  metrics?: SegflowMetrics;
  now?: () => Date;
  /** Runs right after a batch transaction commits, before the Kafka commit (fault tests). */
  afterDbCommit?: () => void;
}

export const migrateProfile = async (db: Kysely<ProfileDb>): Promise<void> => {
  await migrateToLatest(db as Kysely<unknown>, 'shared', sharedMigrations);
  await migrateToLatest(db as Kysely<unknown>, 'profile', profileMigrations);
};

/** The profile service: `customer-events.v1` in, profiles in Postgres, `profile-changes.v1` out. */
export const createProfileService = (deps: ProfileDeps): ServiceModule => {
  const { db, bus, topics } = deps;
  const log = deps.log.child({ service: 'profile' });
  const groupId = groupFor(deps.namespace, 'profile');
  let subscription: Subscription | null = null;
  let relay: OutboxRelay | null = null;
  let dedupeExpiry: ReturnType<typeof startDedupeExpiry> | null = null;
  let rfmJob: RfmQuintilesJob | null = null;
  let untrackOutbox: (() => void) | null = null;
  let untrackRetries: (() => void) | null = null;
  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const now = deps.now ?? (() => new Date());
  const dedupe = deps.dedupe ?? { horizonMs: 7 * 24 * 3_600_000, expiryIntervalMs: 3_600_000 };
  const routes: FastifyPluginAsync = async (app) => {
    await app.register(
      customersRoutes({
        db,
        now,
        profileChangesTopic: topics.profileChanges,
        outboxProducer: PROFILE_OUTBOX,
        lifecycle: deps.lifecycle ?? DEFAULT_LIFECYCLE_CONFIG,
        recomputeRfm: () => {
          if (!rfmJob) throw new AppError('unavailable', 'the profile service is not running', { status: 503, retriable: true });
          return rfmJob.recompute();
        },
      }),
    );
    await app.register(scoringModelRoutes({ db, now }));
  };

  return {
    name: 'profile',
    routes,
    start: async () => {
      await migrateProfile(db);
      await bus.createTopics([topics.customerEvents, topics.dlq, topics.profileChanges].map((topic) => ({ topic, partitions: deps.partitions })));
      relay = await startOutboxRelay({ db, databaseUrl: deps.databaseUrl, bus, producer: PROFILE_OUTBOX, log });
      untrackOutbox = metrics.trackOutbox(PROFILE_OUTBOX, () => readOutboxBacklog(db, PROFILE_OUTBOX));
      untrackRetries = metrics.trackRetries(groupId, () => subscription?.retrying() ?? []);
      const apply = applyCustomerEvents({
        bus,
        dlqTopic: topics.dlq,
        profileChangesTopic: topics.profileChanges,
        toBase: currencyConverter(deps.baseCurrency, deps.fxRates),
        limits: deps.limits ?? DEFAULT_PROFILE_LIMITS,
        now,
        log,
        metrics,
        outbox: relay,
      });
      dedupeExpiry = startDedupeExpiry({ db, horizonMs: dedupe.horizonMs, intervalMs: dedupe.expiryIntervalMs, now, log });
      rfmJob = startRfmQuintilesJob({ db, intervalMs: deps.rfmIntervalMs ?? 3_600_000, now, log });
      subscription = await bus.subscribe({
        groupId,
        concurrentPartitions: CONCURRENT_PARTITIONS,
        topics: [topics.customerEvents],
        handler: measuredBatches(
          metrics,
          'profile',
          resilientBatchHandler({
            db, groupId, apply, bus, dlqTopic: topics.dlq, log, now, afterCommit: deps.afterDbCommit,
            onDeadLetter: () => metrics.countEvents('profile', 'unknown', 'dlq'),
          }),
        ),
        startOffsets: (assigned) => startPositions(db, bus, groupId, assigned, log),
      });
    },
    stop: async () => {
      await dedupeExpiry?.stop();
      dedupeExpiry = null;
      await rfmJob?.stop();
      rfmJob = null;
      await subscription?.stop();
      subscription = null;
      // What the last batches committed to the outbox goes out before we leave.
      await relay?.flush().catch((err: unknown) => log.warn({ err }, 'outbox flush at shutdown failed'));
      await relay?.stop();
      relay = null;
      untrackOutbox?.();
      untrackOutbox = null;
      untrackRetries?.();
      untrackRetries = null;
    },
    readiness: [
      ...consumerReadiness(() => subscription),
      // A leader with rows pending that has published nothing for a while is stuck.
      { name: 'outbox', check: async () => !(relay?.stalled() ?? false) },
      { name: 'postgres', check: async () => (await sql`SELECT 1`.execute(db), true) },
    ],
    alive: () => !(subscription?.failed ?? false),
    consumerGroups: [{ groupId, topics: [topics.customerEvents] }],
  };
};
