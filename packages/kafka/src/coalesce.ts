import type { BatchHandler, BatchOutcome, PartitionBatch } from './event-bus.js';

/** Runs batches of several partitions together; answers one outcome per batch, in order. */
export type RunTogether = (batches: PartitionBatch[]) => Promise<BatchOutcome[]>;

interface Member {
  batch: PartitionBatch;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Hands the batches that arrive in the same turn of the event loop to one call of `run`.
 * A consumer working several partitions at once receives a fetch's batches of all of them
 * together; at a low rate each holds a few messages, and a transaction per batch costs more
 * than the messages in it. A group holds one batch per partition and at most `maxMessages`
 * messages (a batch arriving beyond either starts the next group).
 *
 * A group that fails is run again batch by batch, each on its own: every batch then
 * answers for its own messages only, so a poison message fails its own partition (whose
 * handler isolates it) and the other partitions go on.
 */
export const coalescedBatches = (run: RunTogether, options: { maxMessages: number }): BatchHandler => {
  let open: { members: Member[]; messages: number } | null = null;

  const alone = (member: Member): void => {
    run([member.batch]).then(([outcome]) => member.resolve(outcome!), member.reject);
  };

  const settle = async (members: Member[]): Promise<void> => {
    if (members.length === 1) return alone(members[0]!);
    let outcomes: BatchOutcome[];
    try {
      outcomes = await run(members.map((m) => m.batch));
    } catch {
      return members.forEach(alone);
    }
    members.forEach((m, i) => m.resolve(outcomes[i]!));
  };

  const fits = (group: { members: Member[]; messages: number }, batch: PartitionBatch): boolean =>
    group.messages + batch.messages.length <= options.maxMessages &&
    !group.members.some((m) => m.batch.topic === batch.topic && m.batch.partition === batch.partition);

  return (batch) =>
    new Promise<BatchOutcome>((resolve, reject) => {
      const member = { batch, resolve, reject };
      if (open && fits(open, batch)) {
        open.members.push(member);
        open.messages += batch.messages.length;
        return;
      }
      const group = { members: [member], messages: batch.messages.length };
      open = group;
      // After the batches handed over with this one (they arrive as microtasks of one turn).
      setImmediate(() => {
        if (open === group) open = null;
        void settle(group.members);
      });
    });
};
