import { describe, expect, it } from 'vitest';
import type { ProfileState } from '@segflow/contracts';
import { MembershipEvent, membershipEventOrigin } from '@segflow/contracts';
import { emptyProfile } from '@segflow/profile-model';
import { decideMemberships, nextEvaluationAt, segmentCompiler, segmentIndex, toMembershipEvent } from './decide.js';

const snapshot = (purchases: number, version = purchases): ProfileState => {
  const base = emptyProfile('c-42', Date.parse('2026-11-23T10:00:00Z'));
  return { ...base, version, purchase: { ...base.purchase, count: purchases, total: purchases * 10, totalUnits: purchases * 100_000 } };
};
const now = Date.parse('2026-11-23T10:00:00Z');
const at = (profile: ProfileState) => ({ profile, at: now });
const compile = segmentCompiler();
const loyal = compile({ id: 'loyal', name: 'Loyal', version: 2, rule: { field: 'purchase.count', op: 'gte', value: 3 } });

describe('membership decisions', () => {
  it('enters a customer the first time the rule holds, from seq 0 to 1', () => {
    const [decision, ...rest] = decideMemberships([loyal], at(snapshot(2)), at(snapshot(3)), new Map());
    expect(rest).toEqual([]);
    expect(decision).toMatchObject({ customerId: 'c-42', isMember: true, fromSeq: 0n, seq: 1n });
    expect(decision?.explanation).toEqual([{ path: '', field: 'purchase.count', op: 'gte', value: 3, actual: 3, was: 2 }]);
  });

  it('decides nothing while the result stays the same', () => {
    expect(decideMemberships([loyal], at(snapshot(3)), at(snapshot(4)), new Map([['loyal', { isMember: true, seq: 1n }]]))).toEqual([]);
    expect(decideMemberships([loyal], at(snapshot(0)), at(snapshot(1)), new Map())).toEqual([]);
  });

  it('exits a member whose profile no longer matches, continuing the sequence', () => {
    const [decision] = decideMemberships([loyal], at(snapshot(3)), at(snapshot(2)), new Map([['loyal', { isMember: true, seq: 7n }]]));
    expect(decision).toMatchObject({ isMember: false, fromSeq: 7n, seq: 8n });
  });

  it('reuses the compiled rule for the same segment version', () => {
    const again = compile({ id: 'loyal', name: 'Loyal', version: 2, rule: { field: 'purchase.count', op: 'gte', value: 3 } });
    expect(again.compiled).toBe(loyal.compiled);
  });

  it('announces a decision as a valid CloudEvent with a deterministic id', () => {
    const [decision] = decideMemberships([loyal], null, at(snapshot(3)), new Map());
    const event = toMembershipEvent(decision!, {
      origin: membershipEventOrigin('https://segflow.example.com'),
      reason: 'event',
      decidedAt: new Date('2026-11-23T10:00:00.123Z'),
      causationEventId: 'evt-981',
      eventTime: '2026-11-23T09:59:59.870Z',
      profileVersion: 3,
    });
    expect(MembershipEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      id: 'loyal:c-42:1',
      source: 'https://segflow.example.com/v1/segments',
      dataschema: 'https://segflow.example.com/schemas/membership-event-data.json',
      type: 'segflow.segment.entered',
      subject: 'c-42',
      data: { segmentVersion: 2, reason: 'event' },
    });
  });
});

describe('next evaluation instant', () => {
  it('is when the earliest time-dependent segment can flip, or never', () => {
    const recent = compile({ id: 'recent', name: 'Recent', version: 1, rule: { field: 'purchase.lastAt', op: 'withinLast', value: '30d' } });
    const profile = { ...snapshot(1), purchase: { ...snapshot(1).purchase, firstAt: '2026-11-20T00:00:00.000Z', lastAt: '2026-11-20T00:00:00.000Z' } };
    expect(nextEvaluationAt([loyal], profile, now)).toBeNull();
    expect(nextEvaluationAt([loyal, recent], profile, now)).toBe(Date.parse('2026-12-20T00:00:00.000Z'));
  });
});

describe('dependency index', () => {
  const byCount = compile({ id: 'by-count', name: 'C', version: 1, rule: { field: 'purchase.count', op: 'gte', value: 1 } });
  const byCountry = compile({ id: 'by-country', name: 'K', version: 1, rule: { field: 'traits.country', op: 'eq', value: 'DE' } });
  const byAge = compile({ id: 'by-age', name: 'A', version: 1, rule: { field: 'age', op: 'gte', value: 18 } });
  const index = segmentIndex([byCount, byCountry, byAge]);
  const ids = (list: { id: string }[]) => list.map((s) => s.id);

  it('evaluates only the segments that read what changed', () => {
    const before = snapshot(1);
    expect(ids(index.affectedBy(before, snapshot(2, 1)))).toEqual(['by-count']);
    expect(ids(index.affectedBy(before, { ...before, traits: { country: 'DE' } }))).toEqual(['by-country']);
    expect(ids(index.affectedBy(before, { ...before, traits: { birthDate: '2000-01-01' } }))).toEqual(['by-age']);
    expect(ids(index.affectedBy(before, { ...before, version: 9, updatedAt: 'later' }))).toEqual([]);
  });

  it('evaluates every segment for a customer seen for the first time', () => {
    expect(ids(index.affectedBy(null, snapshot(1)))).toEqual(['by-count', 'by-country', 'by-age']);
  });
});
