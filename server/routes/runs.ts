import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import {
  BEARER_SECURITY,
  errorResponses,
  errorSchema,
  runDetailSchema,
  runRecordSchema,
} from '../views.js';

const AUTH_ERRORS = ['UNAUTHORIZED', 'AUTH_NOT_CONFIGURED'] as const;
const runId = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Runs: list, detail with every result, and starting one now. */
export function runsRoutes(app: FastifyInstance, { deps, rateLimit }: RouteContext): void {
  app.get<{ Querystring: { limit: number; before?: number } }>(
    '/api/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Runs, newest first',
        security: BEARER_SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            before: { ...runId, description: 'only runs with a smaller id (paging)' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['runs'],
            properties: { runs: { type: 'array', items: runRecordSchema } },
          },
          ...errorResponses('BAD_REQUEST', ...AUTH_ERRORS),
        },
      },
    },
    (request) => ({ runs: deps.store.runs(request.query.limit, request.query.before) }),
  );

  app.get<{ Params: { id: number } }>(
    '/api/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'A run with every check result, its evidence, and the controls',
        security: BEARER_SECURITY,
        params: { type: 'object', required: ['id'], properties: { id: runId } },
        response: {
          200: runDetailSchema,
          ...errorResponses('BAD_REQUEST', ...AUTH_ERRORS, 'NOT_FOUND'),
        },
      },
    },
    (request) => {
      const run = deps.store.run(request.params.id);
      if (run === undefined) throw new ApiError('NOT_FOUND', 'no such run');
      return run;
    },
  );

  app.post(
    '/api/v1/runs',
    {
      config: { rateLimit },
      schema: {
        tags: ['runs'],
        summary: 'Start a run now (answers at once; poll the run)',
        security: BEARER_SECURITY,
        response: {
          202: {
            type: 'object',
            required: ['run'],
            properties: { run: runRecordSchema },
          },
          409: {
            ...errorSchema,
            description: 'RUN_IN_PROGRESS, with the run in progress',
            properties: { ...errorSchema.properties, run: runRecordSchema },
          },
          ...errorResponses(
            'BAD_REQUEST',
            'INVALID_JSON',
            ...AUTH_ERRORS,
            'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'RATE_LIMITED',
            'STORAGE_DEGRADED',
          ),
        },
      },
    },
    (request, reply) => {
      let started;
      try {
        started = deps.monitor.start('api');
      } catch (err) {
        // The store refused even to start the run: the monitor has recorded it (degraded).
        throw new ApiError(
          'STORAGE_DEGRADED',
          `the run cannot be stored: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      if (started === undefined) {
        const current = deps.monitor.current();
        throw new ApiError('RUN_IN_PROGRESS', 'a run is already in progress', {
          extra: current === undefined ? {} : { run: current },
        });
      }
      // The run goes on after the response; its end is the monitor's to record.
      started.done.catch((err: unknown) => request.log.error({ err }, 'run failed'));
      return reply.code(202).send({ run: started.run });
    },
  );
}
