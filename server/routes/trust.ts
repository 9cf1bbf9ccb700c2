import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { renderTrustPage } from '../pages/trust.js';
import { buildTrustModel } from '../trust-model.js';
import { statusSchema, textResponse } from '../views.js';

/** Public and cacheable for a minute: it holds nothing a token protects. */
const CACHE = 'public, max-age=60';

export const trustModelSchema = {
  type: 'object',
  required: ['system', 'controls'],
  properties: {
    system: {
      type: 'object',
      required: ['name', 'description'],
      properties: { name: { type: 'string' }, description: { type: 'string' } },
    },
    controls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'description', 'criteria', 'status'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          description: { type: 'string' },
          criteria: { type: 'array', items: { type: 'string' } },
          status: statusSchema,
          lastPassedAt: { type: 'string' },
        },
      },
    },
    updatedAt: { type: 'string' },
  },
} as const;

/** The public trust page and its JSON: controls and their live status, no evidence. No auth. */
export function trustRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  app.get(
    '/trust',
    {
      schema: {
        tags: ['trust'],
        summary: 'Public trust page (HTML)',
        response: { 200: textResponse(['text/html'], 'HTML page') },
      },
    },
    (_request, reply) =>
      reply
        .header('cache-control', CACHE)
        .type('text/html; charset=utf-8')
        .send(renderTrustPage(buildTrustModel(deps))),
  );

  app.get(
    '/api/v1/trust',
    {
      schema: {
        tags: ['trust'],
        summary: 'The trust page as JSON',
        response: { 200: trustModelSchema },
      },
    },
    (_request, reply) => reply.header('cache-control', CACHE).send(buildTrustModel(deps)),
  );
}
