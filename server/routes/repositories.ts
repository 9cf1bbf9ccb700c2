import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import { parseRfc3339 } from '../../tuf/time.js';
import { BEARER_SECURITY, errorResponses } from '../views.js';

const roleSchema = {
  type: 'object',
  required: [
    'version',
    'expires',
    'expiresInSeconds',
    'threshold',
    'validSignatures',
    'keys',
    'firstSeenAt',
  ],
  properties: {
    version: { type: 'integer' },
    expires: { type: 'string' },
    expiresInSeconds: {
      type: ['integer', 'null'],
      description: 'negative once expired; null if `expires` does not parse',
    },
    threshold: { type: 'integer' },
    validSignatures: { type: 'integer' },
    keys: { type: 'integer' },
    firstSeenAt: { type: 'string', description: 'when the role was first seen with this content' },
  },
} as const;

/** `GET /api/v1/repositories/:name/roles`: TUF roles as last verified by a run. */
export function repositoriesRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  app.get<{ Params: { name: string } }>(
    '/api/v1/repositories/:name/roles',
    {
      schema: {
        tags: ['repositories'],
        summary: 'TUF role versions, expiries, thresholds and signatures, as last verified',
        security: BEARER_SECURITY,
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['repository', 'roles'],
            properties: {
              repository: { type: 'string' },
              roles: { type: 'object', additionalProperties: roleSchema },
            },
          },
          ...errorResponses(
            'BAD_REQUEST',
            'UNAUTHORIZED',
            'AUTH_NOT_CONFIGURED',
            'NOT_FOUND',
            'NOT_READY',
          ),
        },
      },
    },
    (request) => {
      const { name } = request.params;
      if (!deps.config.repositories.some((r) => r.name === name)) {
        throw new ApiError('NOT_FOUND', 'no such repository');
      }
      const trusted = deps.store.trustedRoles(name);
      if (trusted === undefined) {
        throw new ApiError('NOT_READY', 'the repository has not been verified yet');
      }
      const now = deps.now().getTime();
      const roles = Object.fromEntries(
        Object.entries(trusted).map(([role, r]) => {
          const expires = parseRfc3339(r.expires);
          return [
            role,
            {
              version: r.version,
              expires: r.expires,
              expiresInSeconds:
                expires === undefined ? null : Math.floor((expires.getTime() - now) / 1000),
              threshold: r.threshold,
              validSignatures: r.validSignatures,
              keys: r.keys,
              firstSeenAt: r.firstSeenAt,
            },
          ];
        }),
      );
      return { repository: name, roles };
    },
  );
}
