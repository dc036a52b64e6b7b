import { createHash } from 'node:crypto';
import type { Experiment } from '@segflow/contracts';

/**
 * A customer's point in [0, 1) for an experiment: the first 48 bits of
 * SHA-256(name, U+0000, customerId) over 2^48. It depends on those two strings alone, so
 * every instance, restart and re-entry finds the same one, and any tool can recompute it
 * (in Postgres: `substr(sha256(convert_to(name, 'UTF8') || '\x00'::bytea || convert_to(id, 'UTF8')), 1, 6)`).
 */
export const experimentPoint = (experimentName: string, customerId: string): number =>
  createHash('sha256').update(experimentName, 'utf8').update('\u0000').update(customerId, 'utf8').digest().readUIntBE(0, 6) / 2 ** 48;

/**
 * The group of `customerId`: the groups, in the declared order, split [0, 1) into spans
 * proportional to their weights, and the customer's point falls in one of them.
 */
export const assignGroup = (experiment: Experiment, customerId: string): string => {
  const total = experiment.groups.reduce((sum, g) => sum + g.weight, 0);
  let target = experimentPoint(experiment.name, customerId) * total;
  for (const group of experiment.groups) {
    if (target < group.weight) return group.id;
    target -= group.weight;
  }
  // rounding can leave the last span a hair short of the total
  return experiment.groups.at(-1)!.id;
};
