import type { Kysely } from 'kysely';
import type { Logger } from '@segflow/observability';
import { expireProcessedEvents } from '../../data-access/erasure.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';

/**
 * Runs the dedupe expiry every `intervalMs`: event ids older than the horizon are
 * forgotten (DESIGN §7: a duplicate within the horizon changes nothing). Several
 * instances may run it; the DELETE is idempotent.
 */
export const startDedupeExpiry = (deps: { db: Kysely<ProfileDb>; horizonMs: number; intervalMs: number; now: () => Date; log: Logger }) => {
  let running: Promise<void> = Promise.resolve();
  const runOnce = async () => {
    const before = new Date(deps.now().getTime() - deps.horizonMs);
    const removed = await expireProcessedEvents(deps.db, before);
    if (removed > 0) deps.log.info({ removed, before: before.toISOString() }, 'expired dedupe entries');
  };
  const timer = setInterval(() => {
    running = running.then(runOnce).catch((err: unknown) => deps.log.warn({ err }, 'dedupe expiry failed; will retry'));
  }, deps.intervalMs);
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};
