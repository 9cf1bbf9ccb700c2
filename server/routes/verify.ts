import type { FastifyInstance } from 'fastify';
import { FINDING_CODES } from '../../tuf/findings.js';
import { parseRfc3339 } from '../../tuf/time.js';
import type { RouteContext } from '../app.js';
import { tokenOf } from '../auth.js';
import { ApiError } from '../errors.js';
import { BEARER_SECURITY, errorResponses } from '../views.js';

export const MAX_FILES = 1000;
export const MAX_NAME_LENGTH = 255;
/** TUF metadata nests a few levels; a deeper upload is an attack on recursive code, not metadata. */
export const MAX_DEPTH = 64;

interface VerifyBody {
  files: Record<string, unknown>;
  at?: string;
}

/** Why a file name is refused: uploads are metadata files of one directory, never paths. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  if (name.includes('/') || name.includes('\\')) return 'is a path: only metadata files go here';
  if (name.includes('..')) return 'contains ".."';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'contains a control character';
  if (!name.endsWith('.json')) return 'is not a .json metadata file';
  return undefined;
}

/** Whether a parsed JSON value nests deeper than `max` (iterative: no recursion to overflow). */
function nestsDeeperThan(value: object, max: number): boolean {
  const stack: [object, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child as object, depth + 1]);
    }
  }
  return false;
}

/** The uploaded files as bytes: strings as UTF-8 (exact bytes), objects as JSON. */
function toFiles(body: VerifyBody): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(body.files)) {
    const problem = nameProblem(name);
    if (problem !== undefined) {
      problems.push(`${JSON.stringify(name.slice(0, 300))} ${problem}`);
    } else if (typeof value === 'string') {
      files.set(name, Buffer.from(value, 'utf8'));
    } else if (nestsDeeperThan(value as object, MAX_DEPTH)) {
      problems.push(`${JSON.stringify(name)} nests deeper than ${MAX_DEPTH} levels`);
    } else {
      files.set(name, Buffer.from(JSON.stringify(value), 'utf8'));
    }
  }
  if (problems.length > 0) throw new ApiError('BAD_REQUEST', `files: ${problems.join('; ')}`);
  return files;
}

const roleSummarySchema = {
  type: 'object',
  required: ['version', 'expires', 'threshold', 'validSignatures', 'keys'],
  properties: {
    version: { type: 'integer' },
    expires: { type: 'string' },
    threshold: { type: 'integer' },
    validSignatures: { type: 'integer' },
    keys: { type: 'integer' },
    length: { type: 'integer' },
    sha256: { type: 'string' },
    signedSha256: { type: 'string' },
    keyids: { type: 'array', items: { type: 'string' } },
  },
} as const;

const findingSchema = {
  type: 'object',
  required: ['code', 'severity', 'message'],
  additionalProperties: true,
  properties: {
    code: { type: 'string', enum: Object.keys(FINDING_CODES) },
    severity: { type: 'string', enum: ['error', 'warning', 'info'] },
    message: { type: 'string' },
    role: { type: 'string' },
  },
} as const;

export const verifyReportSchema = {
  type: 'object',
  required: ['ok', 'referenceTime', 'roles', 'findings', 'targetCount'],
  properties: {
    ok: { type: 'boolean', description: 'false when any finding has severity error' },
    referenceTime: { type: 'string' },
    roles: { type: 'object', additionalProperties: roleSummarySchema },
    findings: { type: 'array', items: findingSchema },
    targetCount: { type: 'integer' },
    untrustedRoles: {
      type: 'array',
      items: { type: 'string' },
      description:
        'roles shown in `roles` whose signatures, version, length or hashes did not check out',
    },
    recoveredRoles: {
      type: 'array',
      items: { type: 'string' },
      description:
        'roles that went back in version because root rotated the keys that vouched for the old one (TUF 5.3.11)',
    },
    incompleteTargets: {
      type: 'object',
      required: ['rolesNotVerified', 'targetsNotVerified'],
      properties: {
        rolesNotVerified: { type: 'integer' },
        targetsNotVerified: { type: 'integer' },
      },
      description:
        'a limit cut the delegation graph: targets below the cut were not verified (lower bounds)',
    },
    untrustedTargets: {
      type: 'integer',
      description:
        'listed target paths no trusted lookup reaches (a role on the way did not verify through the delegation followed)',
    },
  },
} as const;

/**
 * `POST /api/v1/verify`: `tufwatch verify` for staged metadata sent in the
 * body, before it is published. Trust starts at the configured trusted root.
 */
export function verifyRoutes(
  app: FastifyInstance,
  { deps, rateLimit, uploads }: RouteContext,
): void {
  app.post<{ Body: VerifyBody }>(
    '/api/v1/verify',
    {
      bodyLimit: deps.config.maxUploadBytes,
      config: { rateLimit },
      // After authentication, before the body is read: an upload holds a slot until its
      // response closes (answered, timed out or dropped), so buffers and queue stay bounded.
      onRequest: async (request, reply) => {
        const release = uploads.acquire(tokenOf(request) as string);
        reply.raw.once('close', release);
      },
      // Before the schema: Fastify's validator coerces a number, boolean or null to the string
      // branch of the schema, and the bytes verified would not be the bytes sent.
      preValidation: (request, _reply, done) => {
        const files = (request.body as { files?: unknown } | null)?.files;
        const wrong =
          typeof files === 'object' && files !== null
            ? Object.entries(files).filter(
                ([, value]) =>
                  typeof value !== 'string' && (typeof value !== 'object' || value === null),
              )
            : [];
        if (wrong.length === 0) {
          done();
          return;
        }
        const names = wrong.map(([name]) => JSON.stringify(name.slice(0, 300))).join(', ');
        done(new ApiError('BAD_REQUEST', `files: ${names} must be a string or an object`));
      },
      schema: {
        tags: ['verify'],
        summary: 'Verify staged TUF metadata before publishing it',
        description:
          'A report with error findings is still 200 (`ok: false`). File names are metadata file names (`root.json`, `2.root.json`, `timestamp.json`, `role1.json`): no `/`, no `..`, at most 255 characters, ending in `.json`. Send a file as a string to keep its exact bytes (needed when timestamp or snapshot list its length and hashes); an object is serialized with JSON.stringify.',
        security: BEARER_SECURITY,
        body: {
          type: 'object',
          required: ['files'],
          additionalProperties: false,
          properties: {
            files: {
              type: 'object',
              minProperties: 1,
              maxProperties: MAX_FILES,
              additionalProperties: { anyOf: [{ type: 'object' }, { type: 'string' }] },
            },
            at: {
              type: 'string',
              maxLength: 64,
              description: 'RFC 3339 reference time; default now',
            },
          },
        },
        response: {
          200: verifyReportSchema,
          ...errorResponses(
            'BAD_REQUEST',
            'INVALID_JSON',
            'UNAUTHORIZED',
            'AUTH_NOT_CONFIGURED',
            'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'VERIFY_FAILED',
            'RATE_LIMITED',
            'TOO_MANY_UPLOADS',
            'UPLOADS_BUSY',
            'REQUEST_TIMEOUT',
          ),
        },
      },
    },
    async (request) => {
      const { body } = request;
      let at = deps.now();
      if (body.at !== undefined) {
        const parsed = parseRfc3339(body.at);
        if (parsed === undefined)
          throw new ApiError('BAD_REQUEST', 'at is not an RFC 3339 date-time');
        at = parsed;
      }
      const files = toFiles(body);
      try {
        // The schema drops verifiedTargets and targets: the report is what `tufwatch verify --json` prints.
        return await deps.verifyStaged(files, { at });
      } catch (err) {
        request.log.warn({ err }, 'staged metadata could not be verified');
        throw new ApiError(
          'VERIFY_FAILED',
          'the metadata could not be verified; the server log has the reason',
          {
            cause: err,
          },
        );
      }
    },
  );
}
