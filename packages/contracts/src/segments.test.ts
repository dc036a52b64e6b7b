import { describe, expect, it } from 'vitest';
import { SegmentInput } from './segments.js';

const segment = (experiment: unknown) => ({ name: 'Win-back', rule: { field: 'purchase.count', op: 'gte', value: 1 }, experiment });
const issues = (experiment: unknown) => SegmentInput.safeParse(segment(experiment)).error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];

describe('segment experiments', () => {
  it('take named groups with positive weights, or none', () => {
    expect(issues({ name: 'win-back-email', groups: [{ id: 'email', weight: 90 }, { id: 'holdout', weight: 10 }] })).toEqual([]);
    expect(issues(null)).toEqual([]);
    expect(SegmentInput.parse(segment(undefined)).experiment).toBeUndefined();
  });

  it('refuse a group id used twice, naming the later one', () => {
    expect(issues({ name: 'e', groups: [{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }, { id: 'a', weight: 2 }] })).toEqual([
      ['experiment.groups.2.id', 'group id a is taken by an earlier group'],
    ]);
  });

  it('refuse weights that are not positive and finite, no groups, and ids outside the pattern', () => {
    for (const weight of [0, -1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(issues({ name: 'e', groups: [{ id: 'a', weight }] }).map(([path]) => path)).toEqual(['experiment.groups.0.weight']);
    }
    expect(issues({ name: 'e', groups: [] }).map(([path]) => path)).toEqual(['experiment.groups']);
    expect(issues({ name: 'e', groups: [{ id: 'a|b', weight: 1 }] }).map(([path]) => path)).toEqual(['experiment.groups.0.id']);
    expect(issues({ name: '', groups: [{ id: 'a', weight: 1 }] }).map(([path]) => path)).toEqual(['experiment.name']);
  });
});
