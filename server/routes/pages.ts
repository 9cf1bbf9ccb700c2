import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import { ASSETS } from '../pages/assets.js';
import { renderDashboard } from '../pages/dashboard.js';
import { errorResponses, textResponse } from '../views.js';

/**
 * The ops dashboard shell and its assets. The shell holds no data, so it needs
 * no token: the page asks for one and sends it as a bearer token on API calls.
 */
export function pagesRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  app.get(
    '/',
    {
      schema: {
        tags: ['pages'],
        summary: 'Ops dashboard (HTML shell; data comes from the API with a token)',
        response: { 200: textResponse(['text/html'], 'HTML page') },
      },
    },
    (_request, reply) =>
      reply
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(renderDashboard({ version: deps.version })),
  );

  // Browsers ask for it on every page: 204 (no icon), cacheable, no token, not a 404 in the logs.
  app.get(
    '/favicon.ico',
    {
      schema: {
        tags: ['pages'],
        summary: 'No icon (204): browsers ask for one',
        response: { 204: { description: 'no content', type: 'null' } },
      },
    },
    (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );

  app.get<{ Params: { name: string } }>(
    '/assets/:name',
    {
      schema: {
        tags: ['pages'],
        summary: 'Scripts and styles of the pages',
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', maxLength: 100 } },
        },
        response: {
          200: textResponse(['text/css', 'text/javascript'], 'the asset'),
          ...errorResponses('BAD_REQUEST', 'NOT_FOUND'),
        },
      },
    },
    (request, reply) => {
      const { name } = request.params;
      const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (asset === undefined) throw new ApiError('NOT_FOUND', 'no such asset');
      return reply
        .header('cache-control', 'public, max-age=300')
        .type(asset.contentType)
        .send(asset.body);
    },
  );
}
