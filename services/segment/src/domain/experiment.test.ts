import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '@segflow/contracts';
import { assignGroup, experimentPoint } from './experiment.js';

const experimentArb: fc.Arbitrary<Experiment> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 40 }),
  groups: fc
    .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { minLength: 1, maxLength: 6 })
    .chain((ids) => fc.tuple(...ids.map((id) => fc.double({ min: 0.001, max: 1000, noNaN: true }).map((weight) => ({ id, weight }))))),
});

describe('experiment groups', () => {
  it('split 100k customers within ±1 % of the weights', () => {
    const experiment: Experiment = { name: 'spring-promo', groups: [{ id: 'control', weight: 50 }, { id: 'discount', weight: 30 }, { id: 'holdout', weight: 20 }] };
    const counts = new Map<string, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const group = assignGroup(experiment, `c-${i}`);
      counts.set(group, (counts.get(group) ?? 0) + 1);
    }
    for (const { id, weight } of experiment.groups) expect(Math.abs((counts.get(id) ?? 0) / n - weight / 100)).toBeLessThanOrEqual(0.01);
  });

  it('give a customer the same group however often, in whatever order, it is asked, and only a declared one', () => {
    fc.assert(
      fc.property(experimentArb, fc.array(fc.string({ minLength: 1, maxLength: 128 }), { minLength: 1, maxLength: 30 }), (experiment, customers) => {
        const first = customers.map((c) => assignGroup(experiment, c));
        const again = [...customers].reverse().map((c) => assignGroup(structuredClone(experiment), c)).reverse();
        expect(again).toEqual(first);
        for (const group of first) expect(experiment.groups.map((g) => g.id)).toContain(group);
      }),
    );
  });

  it('is fixed by the experiment name and customer id: known points stay what they are', () => {
    // A change of the hash would move every member to another group: these pin it down.
    expect(experimentPoint('spring-promo', 'c-42')).toMatchInlineSnapshot(`0.473339941031341`);
    expect(assignGroup({ name: 'spring-promo', groups: [{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }] }, 'c-42')).toMatchInlineSnapshot(`"a"`);
  });

  it('moves customers only out of a group whose weight shrinks, into the one after it, when the weights change', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (customers, share) => {
        const before: Experiment = { name: 'e', groups: [{ id: 'a', weight: 0.5 }, { id: 'b', weight: 0.5 }] };
        const after: Experiment = { name: 'e', groups: [{ id: 'a', weight: share }, { id: 'b', weight: 1 - share }] };
        for (const c of customers) {
          const [was, now] = [assignGroup(before, c), assignGroup(after, c)];
          if (was !== now) expect(share < 0.5 ? [was, now] : [now, was]).toEqual(['a', 'b']);
        }
      }),
    );
  });
});
