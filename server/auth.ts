import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** The token each authenticated request presented, as its sha256 hex (never the token itself). */
const AUTHENTICATED = new WeakMap<FastifyRequest, string>();

/**
 * Who sent an authenticated request: the sha256 hex of its token, for limits
 * per token. Undefined before (or without) authentication.
 */
export function tokenOf(request: FastifyRequest): string | undefined {
  return AUTHENTICATED.get(request);
}

/** An onRequest hook: resolves for a valid bearer token, rejects with an ApiError otherwise. */
export type Authenticate = (request: FastifyRequest) => Promise<void>;

// RFC 6750 section 2.1: `Bearer` (any case), spaces, then the token.
const BEARER = /^Bearer +(\S+) *$/i;
const CHALLENGE = 'Bearer realm="tufwatch"';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Bearer-token authentication against the configured tokens (TUFWATCH_API_TOKENS
 * or `auth.tokens`). Tokens are compared as sha256 digests with
 * timingSafeEqual, against every configured token each time: neither the
 * length of a token nor which one matched shows in the response time.
 * With no token configured the protected API is closed (503
 * AUTH_NOT_CONFIGURED), never open.
 */
export function bearerAuth(tokens: readonly string[]): Authenticate {
  // An empty token would be a password anyone can guess; it never authenticates.
  const digests = tokens.filter((t) => t.length > 0).map(digest);
  // Hooks must be async or take a callback: this one throws, fastify answers via the error handler.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async function authenticate(request: FastifyRequest): Promise<void> {
    if (digests.length === 0) {
      throw new ApiError(
        'AUTH_NOT_CONFIGURED',
        'no API token is configured (TUFWATCH_API_TOKENS or auth.tokens): the API is closed',
      );
    }
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (match === null) {
      throw new ApiError('UNAUTHORIZED', 'a bearer token is required', {
        headers: { 'www-authenticate': CHALLENGE },
      });
    }
    const presented = digest(match[1] as string);
    let valid = false;
    // No early exit: the time taken does not depend on which token matched.
    for (const known of digests) valid = timingSafeEqual(presented, known) || valid;
    if (!valid) {
      throw new ApiError('UNAUTHORIZED', 'the bearer token is not valid', {
        headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` },
      });
    }
    AUTHENTICATED.set(request, presented.toString('hex'));
  };
}
