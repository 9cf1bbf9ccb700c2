import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { BEARER_SECURITY, errorResponses, textResponse } from '../views.js';

/** Prometheus text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `GET /metrics`: a token is needed only with `auth.metricsAuth`. */
export function metricsRoutes(app: FastifyInstance, { deps, authenticate }: RouteContext): void {
  const protect = deps.config.auth.metricsAuth;
  app.get(
    '/metrics',
    {
      onRequest: protect ? [authenticate] : [],
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics, computed at scrape time',
        ...(protect && { security: BEARER_SECURITY }),
        response: {
          200: textResponse([METRICS_CONTENT_TYPE], 'Prometheus text format 0.0.4'),
          ...(protect && errorResponses('UNAUTHORIZED', 'AUTH_NOT_CONFIGURED')),
        },
      },
    },
    (_request, reply) =>
      reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(deps.metrics()),
  );
}
