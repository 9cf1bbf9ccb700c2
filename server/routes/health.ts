import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import { errorResponses, errorSchema } from '../views.js';

const statusBody = (status: string) => ({
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: [status] } },
});

/** Why runs are not being stored (`STORAGE_DEGRADED`): the monitor's StorageHealth. */
const storageSchema = {
  type: 'object',
  required: ['status', 'failures'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    failures: { type: 'integer' },
    since: { type: 'string' },
    code: { type: 'string' },
    reason: { type: 'string' },
    unsaved: { type: 'integer' },
    dropped: { type: 'integer' },
  },
} as const;

const notReady = errorResponses('NOT_READY', 'STORAGE_DEGRADED')[503];

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
        summary:
          'Readiness: a run has completed, so every route has results to show, and runs are being stored',
        response: {
          200: statusBody('ready'),
          503: { ...notReady, properties: { ...errorSchema.properties, storage: storageSchema } },
        },
      },
    },
    (_request, reply) => {
      reply.header('cache-control', 'no-store');
      // Degraded first: a service whose runs go unstored is not watching, whatever it showed before.
      const storage = deps.monitor.storage?.();
      if (storage?.status === 'degraded') {
        throw new ApiError('STORAGE_DEGRADED', `runs are not being stored: ${storage.reason}`, {
          extra: { storage },
        });
      }
      if (deps.store.latestCompletedRun() === undefined) {
        throw new ApiError('NOT_READY', 'no run has completed yet');
      }
      return reply.send({ status: 'ready' });
    },
  );
}
