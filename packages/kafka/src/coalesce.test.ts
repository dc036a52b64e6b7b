import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './bus-logger.js';
import { coalescedBatches } from './coalesce.js';
import type { BatchOutcome, BusMessage, PartitionBatch } from './event-bus.js';
import { isolatePoison } from './poison.js';

const batchOf = (partition: number, from: number, poison: boolean[]): PartitionBatch => ({
  topic: 't',
  partition,
  messages: poison.map(
    (bad, i): BusMessage => ({ topic: 't', partition, offset: BigInt(from + i), key: null, value: Buffer.from(bad ? 'poison' : 'ok'), headers: {}, timestamp: 0 }),
  ),
});
const done = (batch: PartitionBatch): BatchOutcome => ({ kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n });

/** A store that commits the batches of one call together or not at all, like one transaction, and refuses poison. */
const store = () => {
  const calls: string[][] = [];
  const committed: string[] = [];
  const run = async (batches: PartitionBatch[]): Promise<BatchOutcome[]> => {
    calls.push(batches.map((b) => `${b.partition}@${b.messages[0]!.offset}`));
    const messages = batches.flatMap((b) => b.messages);
    if (messages.some((m) => m.value?.toString() === 'poison')) throw new Error(`poison in ${calls.at(-1)!.join(',')}`);
    committed.push(...messages.map((m) => `${m.partition}@${m.offset}`));
    return batches.map(done);
  };
  return { run, calls, committed };
};

describe('coalescedBatches', () => {
  it('runs the batches handed over in one turn as one call, and answers each its own outcome', async () => {
    const s = store();
    const handle = coalescedBatches(s.run, { maxMessages: 100 });
    const batches = [batchOf(0, 10, [false, false]), batchOf(1, 3, [false]), batchOf(2, 0, [false, false, false])];
    const outcomes = await Promise.all(batches.map(handle));
    expect(s.calls).toEqual([['0@10', '1@3', '2@0']]);
    expect(outcomes).toEqual([
      { kind: 'done', nextOffset: 12n },
      { kind: 'done', nextOffset: 4n },
      { kind: 'done', nextOffset: 3n },
    ]);
    // A later turn is a call of its own.
    await handle(batchOf(0, 12, [false]));
    expect(s.calls).toHaveLength(2);
  });

  it('puts one batch of a partition in a call, and no more messages than allowed', async () => {
    const s = store();
    const handle = coalescedBatches(s.run, { maxMessages: 4 });
    await Promise.all([batchOf(0, 0, [false]), batchOf(0, 1, [false]), batchOf(1, 0, [false, false]), batchOf(2, 0, [false, false])].map(handle));
    expect(s.calls).toEqual([['0@0'], ['0@1', '1@0'], ['2@0']]);
  });

  it('commits every good message exactly once and refuses exactly the poison, whatever the batches of a turn', async () => {
    const partitions = fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(partitions, fc.integer({ min: 1, max: 40 }), async (poisonByPartition, maxMessages) => {
        const s = store();
        const dead: string[] = [];
        // What a consumer runs: poison isolated per partition, around the shared runs.
        const handle = isolatePoison(coalescedBatches(s.run, { maxMessages }), {
          isTransient: () => false,
          deadLetter: async (m) => (dead.push(`${m.partition}@${m.offset}`), { kind: 'done', nextOffset: m.offset + 1n }),
          backoffMs: 0,
          log: silentLogger,
        });
        const batches = poisonByPartition.map((poison, partition) => batchOf(partition, 0, poison));
        const outcomes = await Promise.all(batches.map(handle));
        expect(outcomes).toEqual(batches.map(done));
        const all = batches.flatMap((b) => b.messages.map((m) => ({ at: `${m.partition}@${m.offset}`, poison: m.value?.toString() === 'poison' })));
        expect([...s.committed].sort()).toEqual(all.filter((m) => !m.poison).map((m) => m.at).sort());
        expect([...dead].sort()).toEqual(all.filter((m) => m.poison).map((m) => m.at).sort());
      }),
    );
  });

  it('hands a failure of a batch run alone to that batch only', async () => {
    const s = store();
    const handle = coalescedBatches(s.run, { maxMessages: 100 });
    const [good, bad] = await Promise.allSettled([handle(batchOf(0, 0, [false])), handle(batchOf(1, 0, [false, true]))]);
    expect(good).toEqual({ status: 'fulfilled', value: { kind: 'done', nextOffset: 1n } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'poison in 1@0' } });
    expect(s.calls).toEqual([['0@0', '1@0'], ['0@0'], ['1@0']]);
    expect(s.committed).toEqual(['0@0']);
  });
});
