/**
 * Whether a failure is about a dependency being unavailable (retry later, answer 503)
 * rather than about the input or the code (a retry would fail the same way).
 *
 * Transient: network errors (ECONNREFUSED, ECONNRESET, timeouts…), Postgres classes 08
 * (connection), 40 (serialization, deadlock), 53 (resources), 57 (operator intervention:
 * shutdown, restart), 55P03 (lock not available) and pg's own "Connection terminated";
 * kafkajs errors it marks retriable and connection/timeout errors; an `AppError` with
 * `retriable: true`. Anything else, including Postgres data errors (class 22) and a
 * message too large for the broker, is deterministic.
 */
export const isTransientError = (error: unknown, depth = 0): boolean => {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as { code?: unknown; name?: unknown; message?: unknown; retriable?: unknown; cause?: unknown; originalError?: unknown; type?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^(08|40|53|57)/.test(code) && code.length === 5) return true;
  if (code === '55P03') return true;
  if (/Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed/i.test(message)) return true;
  if (name === 'AppError' && e.retriable === true) return true;
  if (name.startsWith('KafkaJS')) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'INVALID_RECORD') return false;
    // The idempotent producer's sequence lost after an outage: a new producer sends fine.
    if (typeof e.type === 'string' && PRODUCER_STATE.has(e.type)) return true;
    if (KAFKA_TRANSIENT.has(name) || e.retriable === true) return true;
  }
  return isTransientError(e.cause, depth + 1) || isTransientError(e.originalError, depth + 1);
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'NR_CLOSED']);
const PRODUCER_STATE = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'DUPLICATE_SEQUENCE_NUMBER']);
const KAFKA_TRANSIENT = new Set(['KafkaJSProducerRestarted', 'KafkaJSConnectionError', 'KafkaJSRequestTimeoutError', 'KafkaJSBrokerNotFound', 'KafkaJSConnectionClosedError', 'KafkaJSLockTimeout']);
