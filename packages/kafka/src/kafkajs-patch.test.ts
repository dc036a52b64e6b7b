import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// patches/kafkajs@2.2.4.patch rewrites how kafkajs splits a send into partitions (its own
// version copied each partition's list per message). This pins what the producer relies on.
type Grouping = (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { key: string; partition: number }[];
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<string, { key: string; partition: number }[]>;
const groupMessagesPerPartition = createRequire(import.meta.url)('kafkajs/src/producer/groupMessagesPerPartition.js') as Grouping;

describe('kafkajs, as patched: grouping a send by partition', () => {
  it('gives each partition its messages in the order sent, and nothing else', () => {
    const message = fc.record({ key: fc.string({ maxLength: 4 }), partition: fc.nat({ max: 5 }) });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 300 }), (messages) => {
        const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message: m }) => m.partition });
        const partitions = [...new Set(messages.map((m) => String(m.partition)))].sort();
        expect(Object.keys(grouped).sort()).toEqual(partitions);
        for (const p of partitions) expect(grouped[p]).toEqual(messages.filter((m) => String(m.partition) === p));
      }),
    );
  });

  it('groups nothing when the topic has no partition metadata', () => {
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages: [{ key: 'k', partition: 0 }], partitioner: () => 0 })).toEqual({});
  });
});
