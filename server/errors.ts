import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';

/**
 * Every error the HTTP API answers, by code: a closed set and a public
 * contract (README, "HTTP API"). Clients branch on `code`, never on `message`.
 * Add codes, never rename them.
 */
export const ERROR_CODES = {
  BAD_REQUEST: {
    statusCode: 400,
    summary: 'a query parameter, path parameter, header or body field is invalid',
  },
  INVALID_JSON: { statusCode: 400, summary: 'the body is empty or not valid JSON' },
  UNAUTHORIZED: { statusCode: 401, summary: 'no bearer token, or one that is not configured' },
  NOT_FOUND: {
    statusCode: 404,
    summary: 'no such route, control, check, run, repository or asset',
  },
  REQUEST_TIMEOUT: { statusCode: 408, summary: 'the request was not received in time' },
  RUN_IN_PROGRESS: {
    statusCode: 409,
    summary: 'a run is already in progress; the body carries it as `run`',
  },
  PAYLOAD_TOO_LARGE: { statusCode: 413, summary: 'the body is larger than the route accepts' },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, summary: 'the body is not application/json' },
  VERIFY_FAILED: {
    statusCode: 422,
    summary: 'the uploaded metadata could not be verified at all (not: verified with findings)',
  },
  RATE_LIMITED: {
    statusCode: 429,
    summary: 'too many requests from this client; see Retry-After',
  },
  TOO_MANY_UPLOADS: {
    statusCode: 429,
    summary: 'this token already has as many uploads in progress as it may; see Retry-After',
  },
  HEADERS_TOO_LARGE: { statusCode: 431, summary: 'the request headers are too large' },
  INTERNAL: { statusCode: 500, summary: 'an unexpected failure; the server log has the detail' },
  AUTH_NOT_CONFIGURED: {
    statusCode: 503,
    summary: 'no API token is configured, so the token-protected API stays closed',
  },
  NOT_READY: {
    statusCode: 503,
    summary: 'no completed run yet (readiness), or a repository not verified yet',
  },
  STORAGE_DEGRADED: {
    statusCode: 503,
    summary:
      'runs are evaluated but the evidence store refuses to store them (readiness); they are kept and retried at the next run',
  },
  UPLOADS_BUSY: {
    statusCode: 503,
    summary: 'the server already has as many uploads in progress as it takes; see Retry-After',
  },
  SIGNING_KEY_UNAVAILABLE: {
    statusCode: 503,
    summary:
      'the evidence signing key cannot be read (permissions, a broken file): nothing can be signed',
  },
} as const satisfies Record<string, { statusCode: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** The body of every error response (a type, not an interface: it is also a plain record). */
export type ErrorBody = {
  statusCode: number;
  code: ErrorCode;
  message: string;
};

/** An error a route means to answer: its code fixes the status. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** Extra fields of the body, e.g. the run in progress of RUN_IN_PROGRESS. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Response headers that go with it, e.g. WWW-Authenticate. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.statusCode = ERROR_CODES[code].statusCode;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

/** Fastify's own errors, by their code; the message is ours so nothing internal leaks. */
const FASTIFY_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'INVALID_JSON',
    message: 'the body is empty but its content type is application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    message: 'the body is larger than this route accepts',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'BAD_REQUEST',
    message: 'the body length does not match Content-Length',
  },
  FST_ERR_BAD_URL: { code: 'BAD_REQUEST', message: 'the URL is not valid' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'BAD_REQUEST', message: 'a path parameter is too long' },
};

/**
 * What to answer for an error: an ApiError as it is; fastify's errors (schema
 * validation, body parsing) by their code; any other client error as
 * BAD_REQUEST; anything else is INTERNAL, with a message that reveals nothing.
 */
export function classifyError(err: unknown): {
  body: ErrorBody & Record<string, unknown>;
  headers: Readonly<Record<string, string>>;
  internal: boolean;
} {
  if (err instanceof ApiError) {
    return {
      body: { ...err.extra, statusCode: err.statusCode, code: err.code, message: err.message },
      headers: err.headers,
      internal: false,
    };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<FastifyError>;
  if (e.validation !== undefined) {
    // Ajv's messages name the field and the rule ("querystring/limit must be <= 100"), not internals.
    return { body: errorBody('BAD_REQUEST', String(e.message)), headers: {}, internal: false };
  }
  const known =
    typeof e.code === 'string' && Object.hasOwn(FASTIFY_ERRORS, e.code)
      ? FASTIFY_ERRORS[e.code]
      : undefined;
  if (known !== undefined) {
    return { body: errorBody(known.code, known.message), headers: {}, internal: false };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      body: errorBody('BAD_REQUEST', 'the request is not valid'),
      headers: {},
      internal: false,
    };
  }
  return { body: errorBody('INTERNAL', 'internal error'), headers: {}, internal: true };
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { statusCode: ERROR_CODES[code].statusCode, code, message };
}

function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { body, headers, internal } = classifyError(err);
  if (internal) request.log.error({ err }, 'unexpected error');
  return reply.code(body.statusCode).headers(headers).send(body);
}

/**
 * The one place HTTP errors are answered (fastify's `lib/errors.js` habit):
 * the error handler, the not-found handler and fastify's framework errors
 * (bad URL encoding, over-long path parameters) all answer
 * `{ statusCode, code, message }`.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(errorBody('NOT_FOUND', 'no such route')),
  );
}

/** For fastify's `frameworkErrors` option: errors raised before routing. */
export function frameworkErrors(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  void sendError(err, request, reply);
}

/** The part of a socket a client error handler uses. */
export interface ClientSocket {
  readonly destroyed: boolean;
  readonly writable: boolean;
  write(data: string): unknown;
  destroy(err?: Error): unknown;
}

/**
 * For fastify's `clientErrorHandler` option: requests Node's HTTP parser
 * refuses (malformed, headers too large, too slow) get the same JSON shape.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: ClientSocket): void {
  // A reset connection, or one already gone: there is no one to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let body: ErrorBody;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    body = errorBody('REQUEST_TIMEOUT', 'the request was not received in time');
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    body = errorBody('HEADERS_TOO_LARGE', 'the request headers are too large');
  } else {
    body = errorBody('BAD_REQUEST', 'the request is not valid HTTP');
  }
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Connection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}
