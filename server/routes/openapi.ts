import type { FastifyInstance } from 'fastify';

/** `GET /openapi.json`: the OpenAPI 3.1 document, built from the schemas every route declares. */
export function openapiRoutes(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').send(app.swagger()),
  );
}
