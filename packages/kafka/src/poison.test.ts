import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './bus-logger.js';
import type { BatchOutcome, BusMessage, PartitionBatch } from './event-bus.js';
import { isolatePoison } from './poison.js';

const message = (offset: number, poison = false): BusMessage => ({
  topic: 't', partition: 0, offset: BigInt(offset), key: 'k', value: Buffer.from(poison ? 'poison' : 'ok'), headers: {}, timestamp: 0,
});
const batchOf = (messages: BusMessage[]): PartitionBatch => ({ topic: 't', partition: 0, messages });

/** A store that applies whole batches or nothing, like a batch transaction, and fails on poison. */
const store = (failure: () => Error) => {
  const applied: bigint[] = [];
  const deadLettered: bigint[] = [];
  let calls = 0;
  const handler = async (batch: PartitionBatch): Promise<BatchOutcome> => {
    calls++;
    if (batch.messages.some((m) => m.value?.toString() === 'poison')) throw failure();
    applied.push(...batch.messages.map((m) => m.offset));
    return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
  };
  const deadLetter = async (m: BusMessage): Promise<BatchOutcome> => {
    deadLettered.push(m.offset);
    return { kind: 'done', nextOffset: m.offset + 1n };
  };
  return { handler, deadLetter, applied, deadLettered, calls: () => calls };
};

const deterministic = () => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
const transient = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const isTransient = (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED';

describe('isolatePoison', () => {
  it('applies every good message exactly once and dead-letters exactly the poison, whatever the batch', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), async (poisonAt) => {
        const s = store(deterministic);
        const wrapped = isolatePoison(s.handler, { isTransient, deadLetter: s.deadLetter, backoffMs: 0, log: silentLogger });
        const messages = poisonAt.map((p, i) => message(i, p));
        const outcome = await wrapped(batchOf(messages));
        expect(outcome).toEqual({ kind: 'done', nextOffset: BigInt(messages.length) });
        expect(s.applied).toEqual(messages.filter((_, i) => !poisonAt[i]).map((m) => m.offset));
        expect(s.deadLettered).toEqual(messages.filter((_, i) => poisonAt[i]).map((m) => m.offset));
      }),
    );
  });

  it('finds one poison message in a batch of 500 with a logarithmic number of tries', async () => {
    const s = store(deterministic);
    const wrapped = isolatePoison(s.handler, { isTransient, deadLetter: s.deadLetter, attempts: 3, backoffMs: 0, log: silentLogger });
    await wrapped(batchOf(Array.from({ length: 500 }, (_, i) => message(i, i === 321))));
    expect(s.deadLettered).toEqual([321n]);
    expect(s.calls()).toBeLessThan(40);
  });

  it('throws transient failures back to the adapter and dead-letters nothing', async () => {
    const s = store(transient);
    const wrapped = isolatePoison(s.handler, { isTransient, deadLetter: s.deadLetter, backoffMs: 0, log: silentLogger });
    await expect(wrapped(batchOf([message(0), message(1, true)]))).rejects.toThrow(/ECONNREFUSED/);
    expect(s.deadLettered).toEqual([]);
  });

  it('retries instead of dead-lettering while a dependency does not answer', async () => {
    const s = store(deterministic);
    const wrapped = isolatePoison(s.handler, {
      isTransient, deadLetter: s.deadLetter, backoffMs: 0, log: silentLogger, dependenciesUp: async () => false,
    });
    await expect(wrapped(batchOf([message(0, true)]))).rejects.toThrow(/0x00/);
    expect(s.deadLettered).toEqual([]);
  });

  it('lets a message that fails once and then succeeds through without dead-lettering it', async () => {
    let failuresLeft = 2;
    const flaky = async (batch: PartitionBatch): Promise<BatchOutcome> => {
      if (failuresLeft-- > 0) throw deterministic();
      return { kind: 'done', nextOffset: batch.messages.at(-1)!.offset + 1n };
    };
    const deadLettered: bigint[] = [];
    const wrapped = isolatePoison(flaky, {
      isTransient, backoffMs: 0, log: silentLogger,
      deadLetter: async (m) => (deadLettered.push(m.offset), { kind: 'done', nextOffset: m.offset + 1n }),
    });
    expect(await wrapped(batchOf([message(7)]))).toEqual({ kind: 'done', nextOffset: 8n });
    expect(deadLettered).toEqual([]);
  });
});
