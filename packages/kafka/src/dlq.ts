import type { BusMessage, OutgoingMessage } from './event-bus.js';

/** Header names carried by every dead-lettered message. */
export const DLQ_HEADERS = {
  reason: 'segflow-dlq-reason',
  errors: 'segflow-dlq-errors',
  originTopic: 'segflow-dlq-origin-topic',
  originPartition: 'segflow-dlq-origin-partition',
  originOffset: 'segflow-dlq-origin-offset',
  failedAt: 'segflow-dlq-failed-at',
  /** Present when the value was cut to fit the broker: the original value's size in bytes. */
  truncatedFrom: 'segflow-dlq-truncated-from',
} as const;

/**
 * A dead-letter copy must fit where its original did, with headers added: the broker's
 * default limit is 1 MiB per record batch. Above this, the value is cut to
 * `DLQ_TRUNCATED_VALUE_BYTES` and the original headers are dropped; the origin headers
 * still say where the whole message is.
 */
export const DLQ_MAX_BYTES = 512 * 1024;
export const DLQ_TRUNCATED_VALUE_BYTES = 64 * 1024;
const MAX_ERRORS_BYTES = 16 * 1024;

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
 * (JSON), the origin topic/partition/offset and `now` (ISO); cut to fit the broker when the
 * original is near its limit (see `DLQ_MAX_BYTES`). Never throws, because it runs on the
 * poison-message path.
 */
export const toDlqMessage = (original: BusMessage, failure: DlqFailure, now: Date): OutgoingMessage => {
  const value = original.value ?? Buffer.alloc(0);
  const errors = safeJson(failure.errors ?? null);
  const dlqHeaders = {
    [DLQ_HEADERS.reason]: failure.reason,
    [DLQ_HEADERS.errors]: errors.length > MAX_ERRORS_BYTES ? JSON.stringify(`${errors.slice(0, MAX_ERRORS_BYTES)}…`) : errors,
    [DLQ_HEADERS.originTopic]: original.topic,
    [DLQ_HEADERS.originPartition]: String(original.partition),
    [DLQ_HEADERS.originOffset]: original.offset.toString(),
    [DLQ_HEADERS.failedAt]: now.toISOString(),
  };
  const headerBytes = Object.entries(original.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  const size = value.length + headerBytes + (original.key === null ? 0 : Buffer.byteLength(original.key));
  if (size <= DLQ_MAX_BYTES) return { key: original.key, value, headers: { ...original.headers, ...dlqHeaders } };
  return {
    key: original.key !== null && Buffer.byteLength(original.key) > DLQ_TRUNCATED_VALUE_BYTES ? null : original.key,
    value: value.subarray(0, DLQ_TRUNCATED_VALUE_BYTES),
    headers: { ...dlqHeaders, [DLQ_HEADERS.truncatedFrom]: String(value.length) },
  };
};

/** What a DLQ reader needs of a processing failure; never the values it was processing. */
export const describeFailure = (error: unknown): { name: string; code?: string; message: string } => {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    message: message.length > 1000 ? `${message.slice(0, 1000)}…` : message,
  };
};

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
