import { z } from 'zod';
import { jsonEnv } from '@segflow/observability';
import { baseEnv, lifecycleEnv } from '@segflow/service-kit';

const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "EUR"');

export const profileEnv = {
  SEGFLOW_BASE_CURRENCY: currencyCode.default('EUR'),
  /** JSON object: currency → how many base-currency units one unit is worth, e.g. {"USD":0.92}. */
  SEGFLOW_FX_RATES: jsonEnv(z.record(currencyCode, z.number().positive()).default({}), '{"USD":0.92}'),
  /** How long an eventId is remembered for dedupe (DESIGN §7: default 7 days). */
  SEGFLOW_DEDUPE_HORIZON_HOURS: z.coerce.number().positive().default(168),
  SEGFLOW_DEDUPE_EXPIRY_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** Categories (and campaigns) kept per customer; the rest fold into one bucket. */
  SEGFLOW_MAX_CATEGORIES: z.coerce.number().int().min(1).max(1000).default(50),
  SEGFLOW_RFM_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  ...lifecycleEnv,
  /** Test-only crash point, to prove redelivery after a crash changes nothing. */
  SEGFLOW_FAILPOINT: z.enum(['profile.after-db-commit']).optional(),
};

export const ProfileConfig = z.object({ ...baseEnv, ...profileEnv });
export type ProfileConfig = z.infer<typeof ProfileConfig>;
