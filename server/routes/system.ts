import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import type { SystemDescription, TufwatchConfig } from '../types.js';
import { BEARER_SECURITY, errorResponses } from '../views.js';

const TRAIL_ARN = /^arn:[\w-]+:cloudtrail:[\w-]*:\d*:trail\/(.+)$/;

/**
 * The audited system as config scopes it: each TUF repository, and with AWS
 * configured the bucket that hosts it and the trails that record its changes.
 */
export function describeSystem(config: TufwatchConfig): SystemDescription {
  const components: SystemDescription['components'] = config.repositories.map((r) => ({
    kind: 'tuf-repository',
    name: r.name,
    location: r.url,
  }));
  const aws = config.aws;
  if (aws !== undefined) {
    components.push({
      kind: 's3-bucket',
      name: aws.bucket,
      location: `arn:aws:s3:::${aws.bucket}`,
    });
    for (const trail of aws.trails ?? []) {
      // A trail is configured by name or by ARN.
      const arn = TRAIL_ARN.exec(trail);
      components.push({
        kind: 'cloudtrail',
        name: arn === null ? trail : (arn[1] as string),
        location:
          arn === null ? `arn:aws:cloudtrail:${aws.region}:${aws.accountId}:trail/${trail}` : trail,
      });
    }
  }
  return { name: config.system.name, description: config.system.description, components };
}

export const systemSchema = {
  type: 'object',
  required: ['name', 'description', 'components'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    components: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'name', 'location'],
        properties: {
          kind: { type: 'string', enum: ['tuf-repository', 's3-bucket', 'cloudtrail'] },
          name: { type: 'string' },
          location: { type: 'string' },
        },
      },
    },
  },
} as const;

/** `GET /api/v1/system`: the system description an auditor reads first. */
export function systemRoutes(app: FastifyInstance, { deps }: RouteContext): void {
  const description = describeSystem(deps.config);
  app.get(
    '/api/v1/system',
    {
      schema: {
        tags: ['system'],
        summary: 'The audited system: name, description, components in scope',
        security: BEARER_SECURITY,
        response: {
          200: systemSchema,
          ...errorResponses('UNAUTHORIZED', 'AUTH_NOT_CONFIGURED'),
        },
      },
    },
    () => description,
  );
}
