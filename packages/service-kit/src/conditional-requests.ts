import { z } from 'zod';
import { apiSchemas } from '@segflow/contracts';
import type { FastifyReply } from 'fastify';
import { sendProblem } from './http-errors.js';

/** The request headers of a conditional change: `If-Match`, optional. */
// Loose: the validated headers replace the request's, which must keep the others.
export const IfMatchHeaders = z.looseObject({ 'if-match': z.string().max(1024).optional() });
apiSchemas.add(IfMatchHeaders.shape['if-match'], {
  description:
    'The ETag the change is based on (as a GET or the last change answered it), or `*`. When it names none of the current ETag, nothing changes and the answer is 412. Absent, the change applies whatever the version.',
  examples: ['"3"'],
});

/** The ETag of a resource at `version`: strong, so that If-Match can compare it (RFC 9110 §13.1.1). */
export const etagOf = (version: number): string => `"${version}"`;

const ENTITY_TAG = /(W\/)?"([^"]*)"/g;

/**
 * Whether `If-Match` admits the resource at `version`: absent, or `*`, or a list naming
 * its ETag. Weak tags never match: If-Match compares strongly.
 */
export const ifMatchAdmits = (header: string | undefined, version: number): boolean => {
  if (header === undefined || header.trim() === '*') return true;
  for (const [, weak, opaque] of header.matchAll(ENTITY_TAG)) if (weak === undefined && opaque === String(version)) return true;
  return false;
};

/** 412 for a change based on another version than the current one. */
export const preconditionFailed = (reply: FastifyReply, what: string, version: number, ifMatch: string | undefined) =>
  sendProblem(reply.header('etag', etagOf(version)), 'precondition_failed', `${what} is at ETag ${etagOf(version)}; If-Match asked for ${ifMatch}`);
