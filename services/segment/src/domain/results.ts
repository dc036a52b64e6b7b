import type { ProfileState, ResultFigures } from '@segflow/contracts';
import { OTHER } from '@segflow/profile-model';
import type { MembershipState } from './decide.js';

const HOUR_MS = 3_600_000;

/** The counters of a segment's results, each kept per A/B group and entry hour (the cohort). */
export type ResultMetric = 'entered' | 'purchasers' | 'purchases' | 'revenue' | 'opens' | 'openers';

/** One counter to add to: `key` is the campaign of `opens` and `openers`, '' otherwise. */
export interface ResultIncrement {
  segmentId: string;
  /** '' for members without a group. */
  group: string;
  /** The start of the UTC hour the member entered in, epoch ms. */
  cohort: number;
  metric: ResultMetric;
  key: string;
  value: number;
}

/** What one profile change added: purchases, revenue (ten-thousandths of the base currency) and opens per campaign. */
export interface Response {
  purchases: number;
  revenueUnits: number;
  opens: ReadonlyMap<string, number>;
}

/**
 * The purchases and opens a profile change carries, from the snapshots before and after
 * it (lifetime figures, which only grow). Opens are told apart by campaign; a campaign
 * folded into `__other__` by the per-customer cap moves its whole count there, so the
 * opens of `__other__` are the total's growth less the other campaigns' (the sum is the
 * total's growth, exactly). Null when the change carries neither.
 */
export const responseOf = (before: ProfileState, after: ProfileState): Response | null => {
  const purchases = Math.max(0, after.purchase.count - before.purchase.count);
  const revenueUnits = Math.max(0, after.purchase.totalUnits - before.purchase.totalUnits);
  const totalOpens = Math.max(0, after.emailOpen.count - before.emailOpen.count);
  const opens = new Map<string, number>();
  let named = 0;
  if (totalOpens > 0) {
    for (const [campaign, now] of Object.entries(after.emailOpen.campaigns)) {
      if (campaign === OTHER) continue;
      const added = Math.min(totalOpens - named, Math.max(0, now.count - (before.emailOpen.campaigns[campaign]?.count ?? 0)));
      if (added > 0) opens.set(campaign, added);
      named += added;
    }
    if (totalOpens > named) opens.set(OTHER, totalOpens - named);
  }
  return purchases === 0 && opens.size === 0 ? null : { purchases, revenueUnits, opens };
};

/** A current member's standing in its stay, as the results count it. */
export interface MemberStanding {
  segmentId: string;
  group: string | null;
  /** When the stay began, epoch ms. */
  enteredAt: number;
  /** Whether the member purchased during this stay already. */
  purchased: boolean;
  /** The campaigns whose emails the member opened during this stay. */
  opened: readonly string[];
}

export const cohortOf = (enteredAt: number): number => Math.floor(enteredAt / HOUR_MS) * HOUR_MS;

/** The counters an entry adds to: one more member entered in its group and hour. */
export const entryIncrement = (segmentId: string, group: string | null, enteredAt: number): ResultIncrement => ({
  segmentId,
  group: group ?? '',
  cohort: cohortOf(enteredAt),
  metric: 'entered',
  key: '',
  value: 1,
});

/**
 * What a response of a current member adds to its segment's results, in the cohort it
 * entered in, and its standing after it: the first purchase of a stay makes it a
 * purchaser, the first open of a campaign an opener of that campaign.
 */
export const respond = (member: MemberStanding, response: Response): { increments: ResultIncrement[]; standing: MemberStanding } => {
  const at = { segmentId: member.segmentId, group: member.group ?? '', cohort: cohortOf(member.enteredAt) };
  const increments: ResultIncrement[] = [];
  const add = (metric: ResultMetric, value: number, key = '') => {
    if (value > 0) increments.push({ ...at, metric, key, value });
  };
  add('purchases', response.purchases);
  add('revenue', response.revenueUnits);
  add('purchasers', response.purchases > 0 && !member.purchased ? 1 : 0);
  const opened = new Set(member.opened);
  for (const [campaign, count] of response.opens) {
    add('opens', count, campaign);
    if (!opened.has(campaign)) {
      add('openers', 1, campaign);
      opened.add(campaign);
    }
  }
  return {
    increments,
    standing: { ...member, purchased: member.purchased || response.purchases > 0, opened: opened.size === member.opened.length ? member.opened : [...opened] },
  };
};

/** Sums increments that name the same counter, so that one write adds each counter once. */
export const sumIncrements = (increments: readonly ResultIncrement[]): ResultIncrement[] => {
  const sums = new Map<string, ResultIncrement>();
  for (const i of increments) {
    const key = JSON.stringify([i.segmentId, i.group, i.cohort, i.metric, i.key]);
    const sum = sums.get(key);
    if (sum) sum.value += i.value;
    else sums.set(key, { ...i });
  }
  return [...sums.values()];
};

const per = (value: number, members: number): number | null => (members === 0 ? null : value / members);

/** A segment's (or one group's) results over a period from its summed counters (metric, campaign for opens, value). */
export const figuresOf = (counters: readonly { metric: string; key: string; value: number }[]): ResultFigures => {
  const total = (metric: ResultMetric) => counters.filter((c) => c.metric === metric).reduce((sum, c) => sum + c.value, 0);
  const entered = total('entered');
  const purchasers = total('purchasers');
  const purchases = total('purchases');
  const revenue = total('revenue') / 10_000;
  const campaigns = [...new Set(counters.filter((c) => c.metric === 'opens' || c.metric === 'openers').map((c) => c.key))].sort();
  const sumOf = (metric: ResultMetric, key: string) => counters.filter((c) => c.metric === metric && c.key === key).reduce((sum, c) => sum + c.value, 0);
  return {
    entered,
    purchasers,
    purchasedShare: per(purchasers, entered),
    purchases,
    purchasesPerMember: per(purchases, entered),
    revenue,
    revenuePerMember: per(revenue, entered),
    emailOpens: campaigns.map((campaignId) => {
      const openers = sumOf('openers', campaignId);
      return { campaignId, opens: sumOf('opens', campaignId), openers, openedShare: per(openers, entered) };
    }),
  };
};

/** A member whose standing a response changed: written back guarded by the membership's sequence. */
export interface StandingChange {
  customerId: string;
  segmentId: string;
  seq: bigint;
  purchased: boolean;
  opened: readonly string[];
}

/**
 * The results a batch of profile changes adds to: for each customer, the response its
 * change carries (from the snapshot evaluated before it) counts for every segment it was
 * a member of before the change — the change that makes it enter does not count, the one
 * that makes it exit does.
 */
export const planResponses = (
  customers: readonly { before: ProfileState | null; after: ProfileState }[],
  memberships: ReadonlyMap<string, ReadonlyMap<string, MembershipState>>,
): { increments: ResultIncrement[]; standings: StandingChange[] } => {
  const increments: ResultIncrement[] = [];
  const standings: StandingChange[] = [];
  for (const { before, after } of customers) {
    const current = [...(memberships.get(after.customerId) ?? [])].filter(([, m]) => m.isMember && m.enteredAt != null);
    if (before === null || current.length === 0) continue;
    const response = responseOf(before, after);
    if (response === null) continue;
    for (const [segmentId, m] of current) {
      const member: MemberStanding = { segmentId, group: m.group ?? null, enteredAt: m.enteredAt!, purchased: m.purchased ?? false, opened: m.opened ?? [] };
      const out = respond(member, response);
      increments.push(...out.increments);
      if (out.standing.purchased !== member.purchased || out.standing.opened !== member.opened) {
        standings.push({ customerId: after.customerId, segmentId, seq: m.seq, purchased: out.standing.purchased, opened: out.standing.opened });
      }
    }
  }
  return { increments: sumIncrements(increments), standings };
};
