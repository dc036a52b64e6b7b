import { describe, expect, it } from 'vitest';
import type { ProfileSnapshot } from '@segflow/contracts';
import { MembershipEvent } from '@segflow/contracts';
import { decideMemberships, segmentCompiler, toMembershipEvent } from './decide.js';

const snapshot = (purchases: number, version = purchases): ProfileSnapshot => ({
  customerId: 'c-42',
  version,
  traits: {},
  purchase: { count: purchases, total: purchases * 10, firstAt: null, lastAt: null },
  pageView: { count: 0, lastAt: null },
  emailOpen: { count: 0, lastAt: null },
  updatedAt: '2026-11-23T10:00:00.000Z',
});
const compile = segmentCompiler();
const loyal = compile({ id: 'loyal', name: 'Loyal', version: 2, rule: { field: 'purchase.count', op: 'gte', value: 3 } });

describe('membership decisions', () => {
  it('enters a customer the first time the rule holds, from seq 0 to 1', () => {
    const [decision, ...rest] = decideMemberships([loyal], snapshot(2), snapshot(3), new Map());
    expect(rest).toEqual([]);
    expect(decision).toMatchObject({ customerId: 'c-42', isMember: true, fromSeq: 0n, seq: 1n });
    expect(decision?.explanation).toEqual([{ path: '', field: 'purchase.count', op: 'gte', value: 3, actual: 3, was: 2 }]);
  });

  it('decides nothing while the result stays the same', () => {
    expect(decideMemberships([loyal], snapshot(3), snapshot(4), new Map([['loyal', { isMember: true, seq: 1n }]]))).toEqual([]);
    expect(decideMemberships([loyal], snapshot(0), snapshot(1), new Map())).toEqual([]);
  });

  it('exits a member whose profile no longer matches, continuing the sequence', () => {
    const [decision] = decideMemberships([loyal], snapshot(3), snapshot(2), new Map([['loyal', { isMember: true, seq: 7n }]]));
    expect(decision).toMatchObject({ isMember: false, fromSeq: 7n, seq: 8n });
  });

  it('reuses the compiled rule for the same segment version', () => {
    const again = compile({ id: 'loyal', name: 'Loyal', version: 2, rule: { field: 'purchase.count', op: 'gte', value: 3 } });
    expect(again.compiled).toBe(loyal.compiled);
  });

  it('announces a decision as a valid CloudEvent with a deterministic id', () => {
    const [decision] = decideMemberships([loyal], null, snapshot(3), new Map());
    const event = toMembershipEvent(decision!, {
      reason: 'event',
      decidedAt: new Date('2026-11-23T10:00:00.123Z'),
      causationEventId: 'evt-981',
      eventTime: '2026-11-23T09:59:59.870Z',
      profileVersion: 3,
    });
    expect(MembershipEvent.parse(event)).toEqual(event);
    expect(event).toMatchObject({ id: 'loyal:c-42:1', type: 'segflow.segment.entered', subject: 'c-42', data: { segmentVersion: 2, reason: 'event' } });
  });
});
