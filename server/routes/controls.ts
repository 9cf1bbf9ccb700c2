import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import type { ControlDefinition } from '../types.js';
import {
  BEARER_SECURITY,
  checkView,
  checkViewSchema,
  controlView,
  controlViewSchema,
  errorResponses,
  idParamsSchema,
  parseRange,
  rangeQuerySchema,
  recentRange,
  statusSchema,
  transitionSchema,
  type RangeQuery,
} from '../views.js';

const AUTH_ERRORS = ['UNAUTHORIZED', 'AUTH_NOT_CONFIGURED'] as const;
const runMeta = {
  runId: {
    type: ['integer', 'null'],
    description: 'the latest completed run; null before the first',
  },
  evaluatedAt: { type: ['string', 'null'], description: 'when that run finished' },
} as const;

/** Controls: status from the latest completed run, the evidence of their checks, history. */
export function controlsRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  const { store } = deps;
  const find = (id: string): ControlDefinition => {
    const definition = deps.config.controls.find((c) => c.id === id);
    if (definition === undefined) throw new ApiError('NOT_FOUND', 'no such control');
    return definition;
  };

  app.get(
    '/api/v1/controls',
    {
      schema: {
        tags: ['controls'],
        summary: 'Every control of the catalog with its status in the latest completed run',
        security: BEARER_SECURITY,
        response: {
          200: {
            type: 'object',
            required: ['runId', 'evaluatedAt', 'controls'],
            properties: { ...runMeta, controls: { type: 'array', items: controlViewSchema } },
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
        controls: deps.config.controls.map((c) => controlView(c, run, store.lastPassed(c.id))),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/controls/:id',
    {
      schema: {
        tags: ['controls'],
        summary: "A control, its checks' full results and evidence, and its recent transitions",
        security: BEARER_SECURITY,
        params: idParamsSchema,
        response: {
          200: {
            type: 'object',
            required: [...controlViewSchema.required, 'runId', 'evaluatedAt', 'transitions'],
            properties: {
              ...controlViewSchema.properties,
              ...runMeta,
              checks: { type: 'array', items: checkViewSchema },
              transitions: {
                type: 'array',
                items: transitionSchema,
                description: 'status changes of the control in the last 30 days',
              },
            },
          },
          ...errorResponses('BAD_REQUEST', ...AUTH_ERRORS, 'NOT_FOUND'),
        },
      },
    },
    (request) => {
      const definition = find(request.params.id);
      const run = store.latestCompletedRun();
      const view = controlView(definition, run, store.lastPassed(definition.id));
      const { from, to } = recentRange(deps.now());
      return {
        ...view,
        runId: run?.id ?? null,
        evaluatedAt: run?.finishedAt ?? null,
        checks: view.checks.map(({ id }) =>
          checkView(
            id,
            deps.checks.find((c) => c.id === id),
            run,
          ),
        ),
        transitions: store.transitions('control', definition.id, from, to),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: RangeQuery }>(
    '/api/v1/controls/:id/history',
    {
      schema: {
        tags: ['controls'],
        summary: "A control's status in every completed run of a period, and its transitions",
        security: BEARER_SECURITY,
        params: idParamsSchema,
        querystring: rangeQuerySchema,
        response: {
          200: {
            type: 'object',
            required: ['id', 'from', 'to', 'history', 'transitions'],
            properties: {
              id: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              history: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['runId', 'at', 'status'],
                  properties: {
                    runId: { type: 'integer' },
                    at: { type: 'string' },
                    status: statusSchema,
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
      const definition = find(request.params.id);
      const { from, to } = parseRange(request.query, deps.now());
      return {
        id: definition.id,
        from: from.toISOString(),
        to: to.toISOString(),
        history: store.controlHistory(definition.id, from, to),
        transitions: store.transitions('control', definition.id, from, to),
      };
    },
  );
}
