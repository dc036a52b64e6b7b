import type { BatchHandler, BatchOutcome, BusMessage, PartitionBatch } from './event-bus.js';
import type { BusLogger } from './bus-logger.js';

export interface PoisonPolicy {
  /** True for failures of a dependency (retry the batch later), false for failures of the input. */
  isTransient: (error: unknown) => boolean;
  /**
   * Takes `message` out of the way: writes it to the DLQ with `error` as its reason and
   * moves the handler's stored position past it. Returns the outcome to report for it.
   */
  deadLetter: (message: BusMessage, error: unknown) => Promise<BatchOutcome>;
  /** Attempts of a message alone before it is dead-lettered (default 3). */
  attempts?: number;
  /** Pause between those attempts (default 100 ms, doubling). */
  backoffMs?: number;
  /**
   * Asked before a message is dead-lettered: while a dependency does not answer, a failure
   * that looked deterministic may be an outage in disguise, so the batch is retried instead.
   */
  dependenciesUp?: () => Promise<boolean>;
  log: BusLogger;
}

/**
 * Keeps one bad message from stalling its partition. A batch that fails with a transient
 * error is thrown back to the adapter (backoff, redelivery). One that fails otherwise is
 * split in halves, each applied on its own, down to single messages; a single message that
 * still fails after `attempts` tries, while the dependencies answer, is dead-lettered and
 * the partition moves on. A handler that commits per call (its offsets beside its state)
 * keeps every guarantee: each half commits or rolls back as a batch would.
 */
export const isolatePoison = (handler: BatchHandler, policy: PoisonPolicy): BatchHandler => {
  const attempts = policy.attempts ?? 3;
  const backoffMs = policy.backoffMs ?? 100;

  const alone = async (batch: PartitionBatch, message: BusMessage, firstError: unknown): Promise<BatchOutcome> => {
    let error = firstError;
    for (let attempt = 2; attempt <= attempts; attempt++) {
      await sleep(backoffMs * 2 ** (attempt - 2));
      try {
        return await handler({ ...batch, messages: [message] });
      } catch (next) {
        if (policy.isTransient(next)) throw next;
        error = next;
      }
    }
    if (policy.dependenciesUp && !(await policy.dependenciesUp().catch(() => false))) throw error;
    policy.log.error(
      { topic: batch.topic, partition: batch.partition, offset: message.offset.toString(), attempts, err: error },
      'message failed every attempt; dead-lettered',
    );
    return policy.deadLetter(message, error);
  };

  const settle = async (batch: PartitionBatch): Promise<BatchOutcome> => {
    try {
      return await handler(batch);
    } catch (error) {
      if (policy.isTransient(error)) throw error;
      const [only] = batch.messages;
      if (batch.messages.length === 1 && only) return alone(batch, only, error);
      const middle = Math.ceil(batch.messages.length / 2);
      const left = await settle({ ...batch, messages: batch.messages.slice(0, middle) });
      if (left.kind === 'seek') return left;
      return settle({ ...batch, messages: batch.messages.slice(middle) });
    }
  };

  return async (batch) => (batch.messages.length === 0 ? handler(batch) : settle(batch));
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
