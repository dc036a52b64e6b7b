import type { Kysely } from 'kysely';
import type { RfmQuintiles } from '@segflow/contracts';
import { saveRfmQuintiles } from '@segflow/db';
import type { Logger } from '@segflow/observability';
import { computeQuintiles } from '@segflow/profile-model';
import { allRfmInputs } from '../../data-access/rfm.repository.js';
import type { ProfileDb } from '../../data-access/tables.js';

/**
 * Recomputes the population's RFM quintiles from every profile, at start, every
 * `intervalMs`, and on demand. Scores (GET /v1/customers/{id}, `rfm.*` rules) are taken
 * against the latest quintiles stored.
 */
export const startRfmQuintilesJob = (deps: { db: Kysely<ProfileDb>; intervalMs: number; now: () => Date; log: Logger }) => {
  let running: Promise<unknown> = Promise.resolve();
  const recompute = (): Promise<RfmQuintiles> => {
    const next = running.then(async () => {
      const started = Date.now();
      const quintiles = computeQuintiles(await allRfmInputs(deps.db, deps.now()));
      await saveRfmQuintiles(deps.db, quintiles);
      deps.log.info({ population: quintiles.population, ms: Date.now() - started }, 'RFM quintiles recomputed');
      return quintiles;
    });
    running = next.catch(() => undefined);
    return next;
  };
  const tick = () => void recompute().catch((err: unknown) => deps.log.warn({ err }, 'RFM quintiles recompute failed; will retry'));
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  tick();
  return {
    recompute,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};
export type RfmQuintilesJob = ReturnType<typeof startRfmQuintilesJob>;
