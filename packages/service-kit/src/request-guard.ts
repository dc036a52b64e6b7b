import type { HttpApp } from './http-app.js';
import { sendProblem } from './http-errors.js';

/** C0 controls and DEL, and UTF-16 surrogates without their pair. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNFIT = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a request URL cannot be taken, or null when it can. */
export const unfitUrl = (url: string): string | null => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    return 'the path or query holds invalid percent-encoding (or encodes invalid UTF-8)';
  }
  return UNFIT.test(decoded) ? 'the path or query holds a control character (U+0000–U+001F, U+007F) or a lone surrogate' : null;
};

/**
 * Refuses, with 400 before any route runs, a request whose decoded path or query holds a
 * control character or invalid text: no id or cursor in this API contains one, and
 * Postgres rejects NUL in text (the request would end in a 500).
 */
export const installRequestGuard = (app: HttpApp): void => {
  app.addHook('onRequest', async (request, reply) => {
    const reason = unfitUrl(request.raw.url ?? '');
    if (reason !== null) return sendProblem(reply, 'invalid_url', reason);
  });
};
