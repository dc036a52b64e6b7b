// Types of the values global-setup.ts provides; tests read them with inject('kafkaBrokers').
declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    /** Admin (superuser) URL: call createTestDatabase(databaseUrl) for an isolated database. */
    databaseUrl: string;
    redisUrl: string;
  }
}

export {};
