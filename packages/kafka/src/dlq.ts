import type { BusMessage, OutgoingMessage } from './event-bus.js';

/** Header names carried by every dead-lettered message. */
export const DLQ_HEADERS = {
  reason: 'segflow-dlq-reason',
  errors: 'segflow-dlq-errors',
  originTopic: 'segflow-dlq-origin-topic',
  originPartition: 'segflow-dlq-origin-partition',
  originOffset: 'segflow-dlq-origin-offset',
  failedAt: 'segflow-dlq-failed-at',
} as const;

export interface DlqFailure {
  /** Short, stable reason, e.g. `schema` or `unknown-currency`. */
  reason: string;
  /** Details (validation issues…), serialised as JSON. */
  errors?: unknown;
}

export interface DlqInfo {
  reason: string;
  /** Parsed JSON of the errors header; the raw string if it was not JSON; undefined if absent. */
  errors: unknown;
  originTopic: string;
  originPartition: number;
  originOffset: bigint;
  failedAt: Date;
}

/**
 * Builds the dead-letter copy of `original`: same key and bytes (an empty Buffer for a null
 * value), original headers plus the `segflow-dlq-*` headers naming the reason, the errors
 * (JSON), the origin topic/partition/offset and `now` (ISO). Never throws, because it runs on
 * the poison-message path.
 */
export const toDlqMessage = (original: BusMessage, failure: DlqFailure, now: Date): OutgoingMessage => ({
  key: original.key,
  value: original.value ?? Buffer.alloc(0),
  headers: {
    ...original.headers,
    [DLQ_HEADERS.reason]: failure.reason,
    [DLQ_HEADERS.errors]: safeJson(failure.errors ?? null),
    [DLQ_HEADERS.originTopic]: original.topic,
    [DLQ_HEADERS.originPartition]: String(original.partition),
    [DLQ_HEADERS.originOffset]: original.offset.toString(),
    [DLQ_HEADERS.failedAt]: now.toISOString(),
  },
});

/**
 * Reads the `segflow-dlq-*` headers of a dead-lettered message back into values.
 * Returns null when the message does not carry a complete, well-formed set.
 */
export const readDlqHeaders = (msg: BusMessage): DlqInfo | null => {
  const h = msg.headers;
  const reason = h[DLQ_HEADERS.reason];
  const originTopic = h[DLQ_HEADERS.originTopic];
  const partition = h[DLQ_HEADERS.originPartition];
  const offset = h[DLQ_HEADERS.originOffset];
  const failedAtRaw = h[DLQ_HEADERS.failedAt];
  if (
    reason === undefined ||
    originTopic === undefined ||
    partition === undefined ||
    offset === undefined ||
    failedAtRaw === undefined
  ) {
    return null;
  }
  const originPartition = Number(partition);
  const failedAt = new Date(failedAtRaw);
  if (!Number.isInteger(originPartition) || !/^\d+$/.test(offset) || Number.isNaN(failedAt.getTime())) {
    return null;
  }
  return {
    reason,
    errors: parseJson(h[DLQ_HEADERS.errors]),
    originTopic,
    originPartition,
    originOffset: BigInt(offset),
    failedAt,
  };
};

// Errors may hold bigint or cycles; a DLQ write must not fail because of its own details.
const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
};

const parseJson = (raw: string | undefined): unknown => {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
};
