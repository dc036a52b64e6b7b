import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { paths } from './openapi.js';

export type { components, operations, paths } from './openapi.js';

export interface SegflowClientOptions {
  /** Where segflow answers, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set (see SEGFLOW_API_KEYS). */
  apiKey?: string;
  /** A fetch of your own (tests, proxies); the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
}

/** A client typed by segflow's OpenAPI document: paths, parameters, bodies and every documented response. */
export type SegflowClient = Client<paths>;

export const createSegflowClient = ({ baseUrl, apiKey, fetch }: SegflowClientOptions): SegflowClient => {
  const client = createClient<paths>({ baseUrl, ...(fetch ? { fetch } : {}) });
  if (apiKey) {
    client.use({
      onRequest: ({ request }) => {
        request.headers.set('authorization', `Bearer ${apiKey}`);
        return request;
      },
    });
  }
  return client;
};
