import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../app.js';
import { ApiError } from '../errors.js';
import { KeyError } from '../evidence-keys.js';
import {
  BEARER_SECURITY,
  errorResponses,
  parseRange,
  rangeQuerySchema,
  textResponse,
  type RangeQuery,
} from '../views.js';

const AUTH_ERRORS = ['UNAUTHORIZED', 'AUTH_NOT_CONFIGURED'] as const;

const keySchema = {
  type: 'object',
  required: ['fingerprint', 'publicKey', 'activatedAt', 'retiredAt', 'reason', 'seq'],
  properties: {
    fingerprint: { type: 'string', description: 'sha256 hex of the SPKI DER public key' },
    publicKey: { type: 'string', description: 'SPKI PEM' },
    activatedAt: { type: 'string' },
    retiredAt: { type: ['string', 'null'] },
    reason: { type: 'string', enum: ['created', 'rotated', 'adopted'] },
    seq: { type: 'integer', description: 'its signing-key record in the hash chain' },
  },
} as const;

const exportQuerySchema = {
  ...rangeQuerySchema,
  description: 'the period [from, to): at most 400 days; default the last 30 days',
} as const;

/** `2031-03-01T00:00:00.000Z` -> `20310301T000000Z`: a file name without colons. */
const compact = (date: Date): string =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** The key cannot be read: an operator problem, answered with its own code (the log has the detail). */
function keyProblem(err: unknown): never {
  if (err instanceof KeyError) {
    throw new ApiError('SIGNING_KEY_UNAVAILABLE', 'the evidence signing key cannot be read', {
      cause: err,
    });
  }
  throw err;
}

/** Evidence: the instance's signing key, signed bundles of a period, control status per day. */
export function evidenceRoutes(app: FastifyInstance, { deps, rateLimit }: RouteContext): void {
  const { evidence } = deps;

  app.get(
    '/api/v1/evidence/public-key',
    {
      schema: {
        tags: ['evidence'],
        summary: 'The Ed25519 key that signs evidence bundles, and every key before it',
        security: BEARER_SECURITY,
        response: {
          200: {
            type: 'object',
            required: ['algorithm', 'fingerprint', 'publicKey', 'keys'],
            properties: {
              algorithm: { type: 'string', enum: ['ed25519'] },
              fingerprint: { type: 'string', description: 'sha256 hex of the SPKI DER key' },
              publicKey: { type: 'string', description: 'SPKI PEM' },
              keys: { type: 'array', items: keySchema, description: 'oldest first' },
            },
          },
          ...errorResponses(...AUTH_ERRORS, 'SIGNING_KEY_UNAVAILABLE'),
        },
      },
    },
    (request) => {
      try {
        return evidence.publicKey();
      } catch (err) {
        request.log.error({ err }, 'evidence signing key');
        return keyProblem(err);
      }
    },
  );

  app.get<{ Querystring: RangeQuery }>(
    '/api/v1/evidence/export',
    {
      config: { rateLimit },
      schema: {
        tags: ['evidence'],
        summary: 'A signed, hash-chained evidence bundle of a period (verify it offline)',
        description:
          'One JSON document: the records with their hashes, the chain anchor, a per-control summary, the system description and control catalog, and an Ed25519-signed manifest. `tufwatch evidence verify FILE` checks it with no server.',
        security: BEARER_SECURITY,
        querystring: exportQuerySchema,
        response: {
          200: textResponse(['application/json'], 'the evidence bundle (README, "Evidence")'),
          ...errorResponses(
            'BAD_REQUEST',
            ...AUTH_ERRORS,
            'RATE_LIMITED',
            'SIGNING_KEY_UNAVAILABLE',
          ),
        },
      },
    },
    (request, reply) => {
      const { from, to } = parseRange(request.query, deps.now());
      let chunks: Iterable<string>;
      try {
        chunks = evidence.exportBundle(from, to);
      } catch (err) {
        request.log.error({ err }, 'evidence export');
        return keyProblem(err);
      }
      // Streamed: the records are read from the store as the client takes them.
      return reply
        .type('application/json; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="tufwatch-evidence-${compact(from)}-${compact(to)}.json"`,
        )
        .send(Readable.from(chunks));
    },
  );

  app.get<{ Querystring: RangeQuery }>(
    '/api/v1/evidence/export.csv',
    {
      config: { rateLimit },
      schema: {
        tags: ['evidence'],
        summary: 'Control status per UTC day over a period, as CSV (not signed: the bundle is)',
        security: BEARER_SECURITY,
        querystring: exportQuerySchema,
        response: {
          200: textResponse(['text/csv'], 'date,control,title,runs,pass,warn,fail,error,...'),
          ...errorResponses('BAD_REQUEST', ...AUTH_ERRORS, 'RATE_LIMITED'),
        },
      },
    },
    (request, reply) => {
      const { from, to } = parseRange(request.query, deps.now());
      return reply
        .type('text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="tufwatch-controls-${compact(from)}-${compact(to)}.csv"`,
        )
        .send(evidence.exportCsv(from, to));
    },
  );
}
