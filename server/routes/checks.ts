import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import {
  BEARER_SECURITY,
  checkView,
  checkViewSchema,
  errorResponses,
  idParamsSchema,
  recentRange,
  statusSchema,
  transitionSchema,
} from '../views.js';

const AUTH_ERRORS = ['UNAUTHORIZED', 'AUTH_NOT_CONFIGURED'] as const;
const runMeta = {
  runId: {
    type: ['integer', 'null'],
    description: 'the latest completed run; null before the first',
  },
  evaluatedAt: { type: ['string', 'null'], description: 'when that run finished' },
} as const;

/** Checks: definition, latest result with evidence, and the last 30 days. */
export function checksRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  const { store } = deps;

  app.get(
    '/api/v1/checks',
    {
      schema: {
        tags: ['checks'],
        summary: 'Every registered check with its result in the latest completed run',
        security: BEARER_SECURITY,
        response: {
          200: {
            type: 'object',
            required: ['runId', 'evaluatedAt', 'checks'],
            properties: { ...runMeta, checks: { type: 'array', items: checkViewSchema } },
          },
          ...errorResponses(...AUTH_ERRORS),
        },
      },
    },
    () => {
      const run = store.latestCompletedRun();
      return {
        runId: run?.id ?? null,
        evaluatedAt: run?.finishedAt ?? null,
        checks: deps.checks.map((c) => checkView(c.id, c, run)),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/checks/:id',
    {
      schema: {
        tags: ['checks'],
        summary: 'A check: definition, latest result and evidence, history of the last 30 days',
        security: BEARER_SECURITY,
        params: idParamsSchema,
        response: {
          200: {
            type: 'object',
            required: [...checkViewSchema.required, 'runId', 'history', 'transitions'],
            properties: {
              ...checkViewSchema.properties,
              runId: runMeta.runId,
              history: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['runId', 'at', 'status', 'message'],
                  properties: {
                    runId: { type: 'integer' },
                    at: { type: 'string' },
                    status: statusSchema,
                    message: { type: 'string' },
                  },
                },
              },
              transitions: { type: 'array', items: transitionSchema },
            },
          },
          ...errorResponses('BAD_REQUEST', ...AUTH_ERRORS, 'NOT_FOUND'),
        },
      },
    },
    (request) => {
      const definition = deps.checks.find((c) => c.id === request.params.id);
      if (definition === undefined) throw new ApiError('NOT_FOUND', 'no such check');
      const run = store.latestCompletedRun();
      const { from, to } = recentRange(deps.now());
      return {
        ...checkView(definition.id, definition, run),
        runId: run?.id ?? null,
        history: store.checkHistory(definition.id, from, to),
        transitions: store.transitions('check', definition.id, from, to),
      };
    },
  );
}
