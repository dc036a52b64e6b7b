import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, DLQ_MAX_BYTES, DLQ_TRUNCATED_VALUE_BYTES, readDlqHeaders, toDlqMessage } from './dlq.js';
import type { BusMessage, OutgoingMessage } from './event-bus.js';

const original = (overrides: Partial<BusMessage> = {}): BusMessage => ({
  topic: 'customer-events',
  partition: 2,
  offset: 9_007_199_254_740_993n, // above 2^53: must survive as a string, not a number
  key: 'customer-1',
  value: Buffer.from([0x00, 0xff, 0x7b, 0x22]),
  headers: { 'content-type': 'application/json' },
  timestamp: 1_700_000_000_000,
  ...overrides,
});

// What a consumer of the DLQ topic would see for a published message.
const delivered = (out: OutgoingMessage): BusMessage => ({
  topic: 'segflow-dlq',
  partition: 0,
  offset: 0n,
  key: out.key,
  value: Buffer.isBuffer(out.value) ? out.value : Buffer.from(out.value),
  headers: out.headers ?? {},
  timestamp: 0,
});

const now = new Date('2025-03-04T05:06:07.089Z');

describe('dlq messages', () => {
  it('keeps the original key, bytes and headers and adds the failure headers', () => {
    const msg = toDlqMessage(original(), { reason: 'schema', errors: [{ path: ['amount'], message: 'Required' }] }, now);

    expect(msg.key).toBe('customer-1');
    expect(msg.value).toEqual(Buffer.from([0x00, 0xff, 0x7b, 0x22]));
    expect(msg.headers).toEqual({
      'content-type': 'application/json',
      [DLQ_HEADERS.reason]: 'schema',
      [DLQ_HEADERS.errors]: '[{"path":["amount"],"message":"Required"}]',
      [DLQ_HEADERS.originTopic]: 'customer-events',
      [DLQ_HEADERS.originPartition]: '2',
      [DLQ_HEADERS.originOffset]: '9007199254740993',
      [DLQ_HEADERS.failedAt]: '2025-03-04T05:06:07.089Z',
    });
  });

  it('cuts a message near the broker limit so that its copy fits, and says how big it was', () => {
    const value = Buffer.alloc(1_048_500, 0x61);
    const msg = toDlqMessage(original({ value, headers: { big: 'x'.repeat(10_000) } }), { reason: 'too_large', errors: 'e'.repeat(100_000) }, now);
    const size = (msg.value as Buffer).length + Object.entries(msg.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);
    expect(size).toBeLessThanOrEqual(DLQ_MAX_BYTES);
    expect((msg.value as Buffer).length).toBe(DLQ_TRUNCATED_VALUE_BYTES);
    expect(msg.headers?.[DLQ_HEADERS.truncatedFrom]).toBe('1048500');
    expect(msg.headers?.big).toBeUndefined();
    expect(readDlqHeaders(delivered(msg))).toMatchObject({ reason: 'too_large', originTopic: 'customer-events', originPartition: 2 });
  });

  it('uses an empty buffer for a null value and JSON null for missing errors', () => {
    const msg = toDlqMessage(original({ value: null, key: null }), { reason: 'empty' }, now);

    expect(msg.key).toBeNull();
    expect(msg.value).toEqual(Buffer.alloc(0));
    expect(msg.headers?.[DLQ_HEADERS.errors]).toBe('null');
  });

  it('does not throw on errors that JSON cannot represent', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    const withBigint = toDlqMessage(original(), { reason: 'x', errors: { n: 5n } }, now);
    const withCycle = toDlqMessage(original(), { reason: 'x', errors: cyclic }, now);

    expect(withBigint.headers?.[DLQ_HEADERS.errors]).toBe('{"n":"5"}');
    expect(withCycle.headers?.[DLQ_HEADERS.errors]).toBe('"[object Object]"');
  });

  it('overwrites dlq headers when a dead-lettered message is dead-lettered again', () => {
    const first = delivered(toDlqMessage(original(), { reason: 'first' }, now));
    const second = readDlqHeaders(delivered(toDlqMessage(first, { reason: 'second' }, now)));

    expect(second?.reason).toBe('second');
    expect(second?.originTopic).toBe('segflow-dlq');
  });

  it('reads back what it wrote', () => {
    fc.assert(
      fc.property(
        fc.record({
          topic: fc.string({ minLength: 1 }),
          partition: fc.nat({ max: 10_000 }),
          offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
          reason: fc.string(),
          errors: fc.jsonValue(),
          at: fc.date({ min: new Date(0), max: new Date('9999-12-31'), noInvalidDate: true }),
        }),
        ({ topic, partition, offset, reason, errors, at }) => {
          const info = readDlqHeaders(delivered(toDlqMessage(original({ topic, partition, offset }), { reason, errors }, at)));

          expect(info).toEqual({
            reason,
            errors: JSON.parse(JSON.stringify(errors)) as unknown,
            originTopic: topic,
            originPartition: partition,
            originOffset: offset,
            failedAt: at,
          });
        },
      ),
    );
  });

  it('returns null for a message without dlq headers or with malformed ones', () => {
    expect(readDlqHeaders(original())).toBeNull();

    const out = toDlqMessage(original(), { reason: 'schema' }, now);
    const broken = delivered({ ...out, headers: { ...out.headers, [DLQ_HEADERS.originOffset]: 'abc' } });
    expect(readDlqHeaders(broken)).toBeNull();
  });

  it('returns the raw string when the errors header is not JSON', () => {
    const out = toDlqMessage(original(), { reason: 'schema' }, now);
    const msg = delivered({ ...out, headers: { ...out.headers, [DLQ_HEADERS.errors]: 'not json' } });

    expect(readDlqHeaders(msg)?.errors).toBe('not json');
  });
});
