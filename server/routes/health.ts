import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../views.js';

const statusBody = (status: string) => ({
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: [status] } },
});

/** Probes: liveness, and readiness once a run has completed. No auth. */
export function healthRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: statusBody('ok') },
      },
    },
    (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: a run has completed, so every route has results to show',
        response: { 200: statusBody('ready'), ...errorResponses('NOT_READY') },
      },
    },
    (_request, reply) => {
      reply.header('cache-control', 'no-store');
      if (deps.store.latestCompletedRun() === undefined) {
        throw new ApiError('NOT_READY', 'no run has completed yet');
      }
      return reply.send({ status: 'ready' });
    },
  );
}
