import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A request slower than this is logged at info even when it succeeded. */
export const SLOW_REQUEST_MS = 1_000;

/**
 * One log line per request, when it is over: at debug when it succeeded within
 * SLOW_REQUEST_MS, at info when it failed (status ≥ 400) or was slow. No "incoming
 * request" line. What is logged of the request is the logger's `req` serializer's
 * choice (method and route pattern; no URL, which carries customer ids).
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ disableRequestLogging: false });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = Math.round(reply.elapsedTime);
    const line = { req: request, res: reply, responseTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else if (reply.statusCode >= 400 || responseTime > SLOW_REQUEST_MS) reply.log.info(line, 'request completed');
    else reply.log.debug(line, 'request completed');
  }
}
