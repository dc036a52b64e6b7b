import { defineConfig } from 'vitest/config';

// Four projects: unit (pure, no I/O), component (one service or adapter against real
// Postgres/Redis/Kafka), e2e (the whole pipeline, including fault tests), console (the
// console in a browser, against the whole pipeline).
// Infrastructure comes from the testkit global setup: env vars, else testcontainers,
// else a local Kafka launched from the official jars.
const infra = './packages/testkit/src/global-setup.ts';
// Tests that run a service as a process run its build (services/<name>/dist/main.js).
const built = './tests/support/built-services.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'tests/deploy/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'component',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts'],
          globalSetup: [infra],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts', 'tests/faults/**/*.test.ts'],
          globalSetup: [infra, built],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The console in Debian's Chromium (playwright-core) against the whole pipeline.
          name: 'console',
          include: ['tests/console/**/*.test.ts'],
          globalSetup: [infra, built, './tests/console/global-setup.ts'],
          // A page follows the pipeline: give expect.poll the time a loaded CI machine takes.
          expect: { poll: { timeout: 15_000 } },
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
