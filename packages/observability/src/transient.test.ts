import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { isTransientError } from './transient.js';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('isTransientError', () => {
  it('treats unavailable dependencies as transient', () => {
    expect(isTransientError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientError(pgError('57P01'))).toBe(true); // admin shutdown
    expect(isTransientError(pgError('08006'))).toBe(true);
    expect(isTransientError(pgError('40P01'))).toBe(true); // deadlock
    expect(isTransientError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientError(new AppError('down', 'down', { retriable: true }))).toBe(true);
    expect(isTransientError(Object.assign(new Error('x'), { name: 'KafkaJSConnectionError' }))).toBe(true);
    expect(isTransientError(new Error('wrapped', { cause: pgError('53300') }))).toBe(true);
    // an idempotent producer that lost its sequence in an outage: a new producer cures it
    expect(isTransientError(Object.assign(new Error('out of order'), { name: 'KafkaJSProtocolError', type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false }))).toBe(true);
  });

  it('treats bad input and bugs as deterministic', () => {
    expect(isTransientError(pgError('22P05'))).toBe(false); // unsupported Unicode escape
    expect(isTransientError(pgError('22021'))).toBe(false); // invalid byte sequence
    expect(isTransientError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientError(Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }))).toBe(false);
    expect(isTransientError(null)).toBe(false);
    expect(isTransientError('boom')).toBe(false);
  });
});
