import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLogs } from './logger.js';

/** A logger whose lines land in an array, parsed. */
const captured = () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', name: 'test' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines, text: () => JSON.stringify(lines) };
};

/** What pg hands back when an upsert of a profile fails: the row is in `detail`, `where` and `parameters`. */
const pgError = () =>
  Object.assign(new Error('duplicate key value violates unique constraint "profiles_pkey"'), {
    name: 'error',
    code: '23505',
    severity: 'ERROR',
    detail: 'Key (customer_id)=(jane.doe@example.com) already exists.',
    where: 'SQL statement "insert into profiles values (\'{"email":"jane.doe@example.com"}\')"',
    hint: 'jane.doe@example.com',
    table: 'profiles',
    schema: 'public',
    constraint: 'profiles_pkey',
    query: 'insert into profiles (customer_id, state) values ($1, $2)',
    internalQuery: 'select 1 from profiles where customer_id = \'jane.doe@example.com\'',
    parameters: ['jane.doe@example.com', '{"traits":{"firstName":"Jane"}}'],
  });

describe('logger', () => {
  it('logs a Postgres error by name, message, code and stack, without the rows in its detail', () => {
    const { log, lines, text } = captured();
    log.error({ err: pgError() }, 'upsert failed');

    const err = lines[0]!.err as Record<string, unknown>;
    expect(Object.keys(err).sort()).toEqual(['code', 'message', 'name', 'stack']);
    expect(err).toMatchObject({ name: 'error', code: '23505', message: 'duplicate key value violates unique constraint "profiles_pkey"' });
    expect(text()).not.toContain('jane.doe');
    expect(text()).not.toContain('Jane');
  });

  it('drops the detail of an error passed as the first argument and of its cause', () => {
    const { log, text, lines } = captured();
    log.error(new Error('apply failed', { cause: pgError() }));

    expect(lines[0]!.err).toMatchObject({ message: 'apply failed', cause: { code: '23505' } });
    expect(text()).not.toContain('jane.doe');
  });

  it("keeps kafkajs' type and retriable", () => {
    const { log, lines } = captured();
    const error = Object.assign(new Error('This server does not host this topic-partition'), {
      name: 'KafkaJSProtocolError',
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      retriable: true,
      helpUrl: undefined,
      broker: '127.0.0.1:9092',
    });
    log.warn({ err: error }, 'publish failed');
    expect(lines[0]!.err).toMatchObject({ name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
    expect(lines[0]!.err).not.toHaveProperty('broker');
  });

  it('logs a request by its route pattern, without its URL or query', () => {
    const { log, lines, text } = captured();
    const request = {
      id: 'req-1',
      method: 'GET',
      url: '/v1/customers/jane.doe%40example.com?cursor=jane.doe@example.com',
      headers: { authorization: 'Bearer secret-key-0123456789', host: 'api' },
      routeOptions: { url: '/v1/customers/:id' },
      ip: '203.0.113.9',
    };
    log.info({ req: request }, 'request completed');
    expect(lines[0]!.req).toEqual({ method: 'GET', route: '/v1/customers/:id' });
    expect(text()).not.toContain('jane.doe');
    expect(text()).not.toContain('secret-key');
  });

  it('prints for a person when asked, or on a terminal by default, and JSON lines otherwise', () => {
    expect(prettyLogs('auto', true)).toBe(true);
    expect(prettyLogs('auto', false)).toBe(false);
    expect(prettyLogs('pretty', false)).toBe(true);
    expect(prettyLogs('json', true)).toBe(false);
  });

  it('redacts personal data in pretty lines as in JSON ones', () => {
    let out = '';
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void ((out += chunk.toString()), done()) });
    const log = createLogger({ name: 'test', format: 'pretty' }, sink);
    log.info({ traits: { email: 'jane.doe@example.com' }, customer: { firstName: 'Jane' }, route: '/v1/events' }, 'event rejected');
    expect(out).toMatch(/INFO.*\(test\).*event rejected/);
    expect(out).toContain('/v1/events');
    expect(out).not.toContain('jane.doe');
    expect(out).not.toContain('Jane');
    expect(() => JSON.parse(out)).toThrow();
  });
});
