import type { FastifyPluginAsync } from 'fastify';

/** A readiness probe: `optional` ones are reported but do not make the service unready. */
export interface ReadinessCheck {
  name: string;
  optional?: boolean;
  check: () => Promise<boolean>;
}

/** A consumer group a module runs, and the topics it reads: what the lag monitor watches. */
export interface ConsumerGroupSpec {
  groupId: string;
  topics: string[];
}

/**
 * What each service module gives its composition root: routes to mount, consumers
 * and background work to start and stop, and readiness checks. A process may host one
 * service or all three on one port.
 */
export interface ServiceModule {
  name: string;
  routes: FastifyPluginAsync;
  start(): Promise<void>;
  /** Stops consumers and background work; the batch in flight finishes or rolls back. */
  stop(): Promise<void>;
  readiness: ReadinessCheck[];
  /** False once a consumer loop has died for good. */
  alive(): boolean;
  /** The consumer groups this module runs, for `/v1/ops/consumer-lag` and the lag metrics. */
  consumerGroups?: ConsumerGroupSpec[];
}
