import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { bearerAuth, type Authenticate } from './auth.js';
import {
  ApiError,
  clientErrorHandler,
  ERROR_CODES,
  frameworkErrors,
  installErrorHandlers,
} from './errors.js';
import { checksRoutes } from './routes/checks.js';
import { controlsRoutes } from './routes/controls.js';
import { evidenceRoutes } from './routes/evidence.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { openapiRoutes } from './routes/openapi.js';
import { pagesRoutes } from './routes/pages.js';
import { repositoriesRoutes } from './routes/repositories.js';
import { runsRoutes } from './routes/runs.js';
import { systemRoutes } from './routes/system.js';
import { trustRoutes } from './routes/trust.js';
import { verifyRoutes } from './routes/verify.js';
import { strictParameters } from './strict-params.js';
import { DEFAULT_UPLOAD_LIMITS, UploadSlots, type UploadLimits } from './upload-slots.js';
import type { AppDeps } from './types.js';

export interface AppOptions {
  /** Requests per client (IP) and window on POST /api/v1/verify and POST /api/v1/runs. */
  rateLimit?: { max: number; timeWindowMs: number };
  /**
   * How long a request may take to arrive, headers and body, in ms: past it the
   * answer is 408 REQUEST_TIMEOUT and the connection closes. Without it an upload
   * dripping a byte every few seconds is held forever, with its buffer.
   */
  requestTimeoutMs?: number;
  /** Uploads (POST /api/v1/verify) in progress at once, in total and per token. */
  uploads?: UploadLimits;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export const DEFAULT_RATE_LIMIT: Readonly<Required<AppOptions>['rateLimit']> = Object.freeze({
  max: 10,
  timeWindowMs: 60_000,
});

/** What every route group gets. */
export interface RouteContext {
  deps: AppDeps;
  /** The bearer-token hook of the protected API. */
  authenticate: Authenticate;
  /** `config.rateLimit` of the expensive routes (verify, start a run). */
  rateLimit: { max: number; timeWindow: number };
  /** Uploads in progress, capped in total and per token. */
  uploads: UploadSlots;
}

/** Bodies of every route but POST /api/v1/verify (which takes config.maxUploadBytes). */
const DEFAULT_BODY_LIMIT = 16 * 1024;

/**
 * Pages load their own /assets scripts and styles, nothing inline and nothing
 * from elsewhere; the API answers only this origin's pages.
 */
const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/** Authorization headers never reach a log line. */
const REDACT = ['req.headers.authorization'];

function loggerOption(logger: AppDeps['logger']): boolean | Record<string, unknown> {
  if (logger === undefined || logger === false) return false;
  const options = logger === true ? {} : logger;
  const redact = Array.isArray(options.redact) ? (options.redact as unknown[]) : [];
  return { ...options, redact: [...new Set([...REDACT, ...redact])] };
}

/**
 * The service's HTTP app: API, metrics, trust page and dashboard. Everything
 * comes in through `deps`; it does not listen (`tufwatch serve` does).
 */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    logger: loggerOption(deps.logger),
    // Node answers a request not received in time with a clientError (ERR_HTTP_REQUEST_TIMEOUT):
    // clientErrorHandler makes it a 408 REQUEST_TIMEOUT. Node looks for late requests every
    // connectionsCheckingInterval (30 s by default: checked every second here, so the deadline
    // holds), and enforces requestTimeout only when headersTimeout (60 s by default) is not longer.
    requestTimeout,
    http: {
      connectionsCheckingInterval: Math.max(10, Math.min(1000, requestTimeout / 4)),
      headersTimeout: Math.min(requestTimeout, 60_000),
    },
    bodyLimit: DEFAULT_BODY_LIMIT,
    // Path parameters are ids and repository names; longer ones are refused before routing.
    routerOptions: { maxParamLength: 256 },
    frameworkErrors,
    clientErrorHandler,
    // A key the schema does not allow is refused (400), not dropped in silence.
    ajv: { customOptions: { removeAdditional: false } },
  });
  installErrorHandlers(app);
  strictParameters(app);
  // The API takes JSON bodies only: anything else is 415 UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser('text/plain');

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new ApiError('RATE_LIMITED', `at most ${context.max} requests per ${context.after}`),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tufwatch',
        version: deps.version,
        description: `Monitor of a TUF software-update repository. Errors are \`{ statusCode, code, message }\`; codes: ${Object.keys(ERROR_CODES).join(', ')}.`,
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
    },
  });

  const ctx: RouteContext = {
    deps,
    authenticate: bearerAuth(deps.config.auth.tokens),
    rateLimit: { max: limit.max, timeWindow: limit.timeWindowMs },
    uploads: new UploadSlots(options.uploads ?? DEFAULT_UPLOAD_LIMITS),
  };
  // Public: probes, the trust page, the dashboard shell and its assets, the API description.
  healthRoutes(app, ctx);
  metricsRoutes(app, ctx);
  trustRoutes(app, ctx);
  pagesRoutes(app, ctx);
  openapiRoutes(app);
  // Everything else needs a bearer token; the hook runs before the body is read.
  await app.register((api: FastifyInstance, _opts, done) => {
    // Answers (errors included) carry evidence or state: no cache keeps them.
    api.addHook('onRequest', (_request, reply, next) => {
      reply.header('cache-control', 'no-store');
      next();
    });
    api.addHook('onRequest', ctx.authenticate);
    systemRoutes(api, ctx);
    controlsRoutes(api, ctx);
    checksRoutes(api, ctx);
    runsRoutes(api, ctx);
    repositoriesRoutes(api, ctx);
    verifyRoutes(api, ctx);
    evidenceRoutes(api, ctx);
    done();
  });
  return app;
}
