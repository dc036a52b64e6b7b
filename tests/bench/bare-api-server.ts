// The ceiling of `pnpm bench:api`, as a child process of it: a bare fastify route answering
// GET /v1/customers/:id/segments with the bodies segflow gave for the same ids (sent over
// IPC), so only the work around the body differs. Replies on IPC with its URL.
import Fastify from 'fastify';

process.once('message', (bodies: [string, unknown][]) => {
  const byId = new Map(bodies);
  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>('/v1/customers/:id/segments', async (request, reply) => {
    const body = byId.get(request.params.id);
    if (body !== undefined) return body;
    const problem = { type: '/problems/not-found', title: 'Not found', status: 404, detail: `no customer ${request.params.id}`, instance: request.url, code: 'not_found' };
    return reply.code(404).type('application/problem+json').send(problem);
  });
  void app.listen({ host: '127.0.0.1', port: 0 }).then((url) => process.send!({ url }));
});
