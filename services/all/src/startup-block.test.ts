import { describe, expect, it } from 'vitest';
import { startupBlock, withoutCredentials } from './startup-block.js';

describe('startup block', () => {
  it('names the URL, the console, the docs and where Kafka, Postgres and Redis came from, without credentials', () => {
    const block = startupBlock({
      url: 'http://localhost:3000',
      kafka: 'a local broker started now on 127.0.0.1:9092',
      postgres: withoutCredentials('postgres://segflow:secret@db.internal:5432/segflow'),
      redis: withoutCredentials('redis://:hunter2@127.0.0.1:6379'),
    });
    expect(block).toContain('segflow is running at http://localhost:3000');
    expect(block).toMatch(/Console +http:\/\/localhost:3000\//);
    expect(block).toContain('http://localhost:3000/docs');
    expect(block).toContain('a local broker started now on 127.0.0.1:9092');
    expect(block).toContain('postgres://db.internal:5432/segflow');
    expect(block).toContain('redis://127.0.0.1:6379');
    expect(block).not.toMatch(/secret|hunter2/);
    expect(block.split('\n').length).toBeLessThan(15);
  });
});
