import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateLag, lagOf, observeLag, worstLagStatus } from './lag-status.js';
import type { LagObservation, LagRules, PartitionLagState } from './lag-status.js';

const rules: LagRules = { window: 5, stoppedAfterMs: 60_000 };

/** A recorded sequence: one [seconds, committed, end] per poll. */
const record = (polls: [number, number, number][], r: LagRules = rules): PartitionLagState => {
  let state: PartitionLagState | undefined;
  for (const [seconds, committed, end] of polls) {
    state = observeLag(state, { at: seconds * 1000, committed: BigInt(committed), end: BigInt(end) }, r);
  }
  if (!state) throw new Error('empty recording');
  return state;
};
const at = (seconds: number) => seconds * 1000;

describe('consumer lag status (Burrow rules over polls)', () => {
  it('is OK for a consumer that keeps catching up', () => {
    const state = record([[0, 0, 0], [5, 10, 12], [10, 20, 20], [15, 28, 30], [20, 35, 40], [25, 41, 45]]);
    // Offset 41 was not yet there at 20 s (end 40); the poll at 25 s was the first to see it.
    expect(evaluateLag(state, at(27), rules)).toEqual({ status: 'OK', lag: 4n, lagSeconds: 2 });
  });

  it('is OK while the lag shrinks now and then, even if it never reaches zero', () => {
    const state = record([[0, 0, 50], [5, 40, 100], [10, 90, 130], [15, 100, 160], [20, 150, 170]]);
    expect(evaluateLag(state, at(20), rules).status).toBe('OK');
  });

  it('warns when the consumer commits but the lag grows over the whole window', () => {
    const state = record([[0, 0, 10], [5, 5, 20], [10, 10, 30], [15, 15, 40], [20, 20, 50]]);
    expect(evaluateLag(state, at(20), rules)).toMatchObject({ status: 'WARNING', lag: 30n });
  });

  it('moves from OK to STALLED to STOPPED once the consumer stops while events keep coming', () => {
    const polls: [number, number, number][] = [[0, 100, 100], [5, 100, 100], [10, 100, 103], [15, 100, 103], [20, 100, 107], [25, 100, 107], [30, 100, 110]];
    const statuses = polls.map((_, i) => evaluateLag(record(polls.slice(0, i + 1)), at(polls[i]![0]), rules).status);
    // Lag zero is still in the window for the first polls; after that the window holds only
    // lag > 0 with the same committed offset.
    expect(statuses).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'OK', 'STALLED']);

    const stalled = record(polls);
    // Last progress was at 5 s (lag zero); stoppedAfterMs is 60 s.
    expect(evaluateLag(stalled, at(65), rules).status).toBe('STALLED');
    expect(evaluateLag(stalled, at(66), rules).status).toBe('STOPPED');
  });

  it('dates the oldest unprocessed message by the first poll that saw it', () => {
    const state = record([[0, 100, 100], [5, 100, 100], [10, 100, 103], [15, 100, 103], [20, 100, 107]]);
    // Offset 100 first showed up in the poll at 10 s: at least 30 s old at 40 s.
    expect(evaluateLag(state, at(40), rules)).toMatchObject({ lag: 7n, lagSeconds: 30 });
    // Once 100..102 are consumed, the oldest unprocessed one (103) arrived by 20 s.
    const later = observeLag(state, { at: at(25), committed: 103n, end: 107n }, rules);
    expect(evaluateLag(later, at(40), rules)).toMatchObject({ lag: 4n, lagSeconds: 20 });
  });

  it('returns to OK as soon as a restarted consumer catches up', () => {
    const state = record([[0, 0, 40], [5, 0, 40], [10, 0, 40], [15, 0, 40], [20, 0, 40], [25, 40, 40]]);
    expect(evaluateLag(state, at(25), rules)).toEqual({ status: 'OK', lag: 0n, lagSeconds: 0 });
  });

  it('says nothing bad about a partition it has seen fewer than a window of times', () => {
    const state = record([[0, 0, 40], [5, 0, 40], [10, 0, 40]]);
    expect(evaluateLag(state, at(10), rules).status).toBe('OK');
  });

  it('reports a rewind of the committed offset', () => {
    const state = record([[0, 50, 60], [5, 55, 70], [10, 20, 80], [15, 25, 90], [20, 30, 95]]);
    expect(evaluateLag(state, at(20), rules).status).toBe('REWIND');
  });

  it('does not call a long-idle partition STOPPED when a message has just arrived (Burrow #338)', () => {
    // Nothing for an hour, lag zero all along; then one message.
    const polls: [number, number, number][] = Array.from({ length: 720 }, (_, i) => [i * 5, 7, 7]);
    const state = record([...polls, [3600, 7, 8]]);
    expect(evaluateLag(state, at(3600), rules).status).toBe('OK');
  });

  it('counts the whole log as lag for a group that never committed', () => {
    // The monitor passes the log start as `committed` when the group has no commit.
    expect(lagOf({ at: 0, committed: 0n, end: 25n })).toBe(25n);
    expect(lagOf({ at: 0, committed: 30n, end: 25n })).toBe(0n);
  });

  it('rolls a group up to the worst status of its partitions', () => {
    expect(worstLagStatus([])).toBe('OK');
    expect(worstLagStatus(['OK', 'STALLED', 'WARNING'])).toBe('STALLED');
    expect(worstLagStatus(['STOPPED', 'STALLED'])).toBe('STOPPED');
  });
});

describe('consumer lag status properties', () => {
  // A random history: time advances, the end offset never shrinks, the committed offset
  // never passes the end (it may go back, as a reset would).
  const history = fc
    .array(fc.record({ dt: fc.integer({ min: 1, max: 20_000 }), produced: fc.nat(20), consumed: fc.integer({ min: -5, max: 20 }) }), { minLength: 1, maxLength: 40 })
    .map((steps) => {
      let at = 0;
      let end = 0n;
      let committed = 0n;
      return steps.map(({ dt, produced, consumed }): LagObservation => {
        at += dt;
        end += BigInt(produced);
        committed = [committed + BigInt(consumed), 0n, end].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[1]!;
        return { at, committed, end };
      });
    });
  const replay = (observations: LagObservation[]): PartitionLagState =>
    observations.reduce<PartitionLagState | undefined>((s, o) => observeLag(s, o, rules), undefined)!;

  it('is OK whenever the lag was zero somewhere in the window', () => {
    fc.assert(
      fc.property(history, fc.nat(100_000), (observations, extra) => {
        const state = replay(observations);
        const now = observations.at(-1)!.at + extra;
        const caughtUp = observations.slice(-rules.window).some((o) => o.end === o.committed);
        if (caughtUp) expect(evaluateLag(state, now, rules).status).toBe('OK');
      }),
    );
  });

  it('reports the latest lag, and an age between zero and the time since the first poll', () => {
    fc.assert(
      fc.property(history, fc.nat(100_000), (observations, extra) => {
        const latest = observations.at(-1)!;
        const now = latest.at + extra;
        const { lag, lagSeconds } = evaluateLag(replay(observations), now, rules);
        expect(lag).toBe(latest.end - latest.committed);
        expect(lagSeconds).toBeGreaterThanOrEqual(0);
        expect(lagSeconds).toBeLessThanOrEqual((now - observations[0]!.at) / 1000);
        if (lag === 0n) expect(lagSeconds).toBe(0);
      }),
    );
  });

  it('never gets better for a consumer that stopped, however long we keep watching', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.nat(5), { minLength: 1, maxLength: 30 }), (start, produced) => {
        let state = observeLag(undefined, { at: 0, committed: 0n, end: BigInt(start) }, rules);
        let end = BigInt(start);
        let previous = 0;
        produced.forEach((n, i) => {
          end += BigInt(n);
          state = observeLag(state, { at: (i + 1) * 5_000, committed: 0n, end }, rules);
          const rank = ['OK', 'STALLED', 'STOPPED'].indexOf(evaluateLag(state, (i + 1) * 5_000, rules).status);
          expect(rank).toBeGreaterThanOrEqual(previous);
          previous = rank;
        });
      }),
    );
  });
});
