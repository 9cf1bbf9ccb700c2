import {
  CHECK_STATUSES,
  type CheckDefinition,
  type CheckSeverity,
  type CheckStatus,
  type Component,
  type Criterion,
} from '../checks/types.js';
import { parseRfc3339 } from '../tuf/time.js';
import { ApiError, ERROR_CODE_LIST, ERROR_CODES, type ErrorCode } from './errors.js';
import type { ControlDefinition, RunDetail } from './types.js';

/*
 * What the API routes answer, shared between route groups: the views built
 * from the store and the catalog, and their JSON schemas. The schemas validate
 * input, serialize output (a field not in a response schema is never sent)
 * and make the OpenAPI document at /openapi.json.
 */

// --- Schemas -------------------------------------------------------------

/** `security` of a token-protected route in the OpenAPI document. */
export const BEARER_SECURITY = [{ bearerAuth: [] }];

export const errorSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', enum: ERROR_CODE_LIST },
    message: { type: 'string' },
  },
} as const;

/** Error response schemas by status, each described by the codes a route may answer with it. */
export function errorResponses(
  ...codes: ErrorCode[]
): Record<number, typeof errorSchema & { description: string }> {
  const out: Record<number, typeof errorSchema & { description: string }> = {};
  for (const code of codes) {
    const status = ERROR_CODES[code].statusCode;
    const before = out[status];
    out[status] = {
      ...errorSchema,
      description: before === undefined ? code : `${before.description}, ${code}`,
    };
  }
  return out;
}

/** A text response (HTML, CSS, scripts, Prometheus text): sent as is, documented by media type. */
export function textResponse(
  mediaTypes: readonly string[],
  description: string,
): { description: string; content: Record<string, { schema: { type: 'string' } }> } {
  return {
    description,
    content: Object.fromEntries(mediaTypes.map((m) => [m, { schema: { type: 'string' } }])),
  };
}

export const statusSchema = { type: 'string', enum: CHECK_STATUSES } as const;
const nullable = (type: string) => ({ type: [type, 'null'] });
const criteriaSchema = { type: 'array', items: { type: 'string' } } as const;
export const evidenceSchema = { type: 'object', additionalProperties: true } as const;

export const runRecordSchema = {
  type: 'object',
  required: ['id', 'startedAt', 'status', 'trigger'],
  properties: {
    id: { type: 'integer' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    status: { type: 'string', enum: ['running', 'completed', 'failed', 'abandoned'] },
    trigger: { type: 'string', enum: ['schedule', 'api', 'cli', 'startup'] },
    result: { type: 'string', enum: ['pass', 'fail'] },
    durationMs: { type: 'number' },
  },
} as const;

const checkStatusList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'status'],
    properties: { id: { type: 'string' }, status: statusSchema },
  },
} as const;

export const runDetailSchema = {
  type: 'object',
  required: [...runRecordSchema.required, 'checks', 'controls'],
  properties: {
    ...runRecordSchema.properties,
    checks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'status', 'message', 'evidence', 'evaluatedAt', 'durationMs'],
        properties: {
          id: { type: 'string' },
          status: statusSchema,
          message: { type: 'string' },
          evidence: evidenceSchema,
          evaluatedAt: { type: 'string' },
          durationMs: { type: 'number' },
        },
      },
    },
    controls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'title', 'status', 'checks'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          status: statusSchema,
          checks: checkStatusList,
        },
      },
    },
  },
} as const;

export const transitionSchema = {
  type: 'object',
  required: ['kind', 'id', 'from', 'to', 'at', 'runId'],
  properties: {
    kind: { type: 'string', enum: ['check', 'control'] },
    id: { type: 'string' },
    from: { type: ['string', 'null'], enum: [...CHECK_STATUSES, null] },
    to: statusSchema,
    at: { type: 'string' },
    runId: { type: 'integer' },
  },
} as const;

export const controlViewSchema = {
  type: 'object',
  required: ['id', 'title', 'description', 'criteria', 'status', 'checks', 'lastPassedAt'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    criteria: criteriaSchema,
    status: statusSchema,
    checks: checkStatusList,
    lastPassedAt: {
      ...nullable('string'),
      description: 'when the control last passed; null if never',
    },
    message: { type: 'string', description: 'why the status is error without a result' },
  },
} as const;

export const checkViewSchema = {
  type: 'object',
  required: [
    'id',
    'title',
    'component',
    'severity',
    'criteria',
    'remediation',
    'status',
    'message',
    'evidence',
    'evaluatedAt',
    'durationMs',
  ],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    component: {
      type: ['string', 'null'],
      enum: ['tuf-repository', 's3-bucket', 'cloudtrail', null],
    },
    severity: {
      type: ['string', 'null'],
      enum: ['critical', 'high', 'medium', 'low', 'info', null],
    },
    criteria: criteriaSchema,
    remediation: nullable('string'),
    status: statusSchema,
    message: { type: 'string' },
    evidence: evidenceSchema,
    evaluatedAt: nullable('string'),
    durationMs: nullable('number'),
  },
} as const;

/** `{ id }` path parameter: control and check ids. */
export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

// --- Views ---------------------------------------------------------------

const NO_RUN = 'no completed run yet';
const NOT_IN_RUN = 'not evaluated in the latest completed run';
const missing = (run: RunDetail | undefined): string => (run === undefined ? NO_RUN : NOT_IN_RUN);

export interface ControlView {
  id: string;
  title: string;
  description: string;
  criteria: Criterion[];
  status: CheckStatus;
  checks: { id: string; status: CheckStatus }[];
  lastPassedAt: string | null;
  message?: string;
}

/**
 * A control as the API shows it: its status and checks in the latest completed
 * run. Without a result (no run yet, or the catalog changed since) it is
 * `error` with a message: fail closed, never an empty pass.
 */
export function controlView(
  definition: ControlDefinition,
  run: RunDetail | undefined,
  lastPassed: string | undefined,
): ControlView {
  const base = {
    id: definition.id,
    title: definition.title,
    description: definition.description,
    criteria: [...definition.criteria],
    lastPassedAt: lastPassed ?? null,
  };
  const result = run?.controls.find((c) => c.id === definition.id);
  if (result === undefined) {
    return {
      ...base,
      status: 'error',
      checks: definition.checks.map((id) => ({ id, status: 'error' })),
      message: missing(run),
    };
  }
  return {
    ...base,
    status: result.status,
    checks: result.checks.map((c) => ({ id: c.id, status: c.status })),
  };
}

export interface CheckView {
  id: string;
  title: string;
  component: Component | null;
  severity: CheckSeverity | null;
  criteria: Criterion[];
  remediation: string | null;
  status: CheckStatus;
  message: string;
  evidence: Record<string, unknown>;
  evaluatedAt: string | null;
  durationMs: number | null;
}

/**
 * A check's definition with its result in the latest completed run. A check a
 * control lists but that is not registered has no definition fields (null).
 */
export function checkView(
  id: string,
  definition: CheckDefinition | undefined,
  run: RunDetail | undefined,
): CheckView {
  const defined = {
    id,
    title: definition?.title ?? id,
    component: definition?.component ?? null,
    severity: definition?.severity ?? null,
    criteria: [...(definition?.criteria ?? [])],
    remediation: definition?.remediation ?? null,
  };
  const result = run?.checks.find((c) => c.id === id);
  if (result === undefined) {
    return {
      ...defined,
      status: 'error',
      message: missing(run),
      evidence: {},
      evaluatedAt: null,
      durationMs: null,
    };
  }
  return {
    ...defined,
    status: result.status,
    message: result.message,
    evidence: result.evidence,
    evaluatedAt: result.evaluatedAt,
    durationMs: result.durationMs,
  };
}

// --- History ranges ------------------------------------------------------

export const DAY_MS = 24 * 3600 * 1000;
export const DEFAULT_HISTORY_DAYS = 30;
export const MAX_HISTORY_DAYS = 400;

export interface RangeQuery {
  from?: string;
  to?: string;
}

export const rangeQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: {
      type: 'string',
      maxLength: 64,
      description: `ISO 8601 date (2025-01-31, UTC midnight) or RFC 3339 date-time; default: ${DEFAULT_HISTORY_DAYS} days before \`to\``,
    },
    to: {
      type: 'string',
      maxLength: 64,
      description: 'ISO 8601 date or RFC 3339 date-time; default: now',
    },
  },
} as const;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(name: string, text: string): Date {
  const date = parseRfc3339(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (date === undefined) {
    throw new ApiError(
      'BAD_REQUEST',
      `${name} is not an ISO 8601 date (2025-01-31) or RFC 3339 date-time (2025-01-31T12:00:00Z)`,
    );
  }
  // No evidence predates the epoch; a year such as 0000 is a typo, not a period to export.
  if (date.getTime() < 0) throw new ApiError('BAD_REQUEST', `${name} is before 1970`);
  return date;
}

/** `from`/`to` of a history query: defaults to the last 30 days, at most 400 days, `from` before `to`. */
export function parseRange(query: RangeQuery, now: Date): { from: Date; to: Date } {
  const to = query.to === undefined ? now : parseDate('to', query.to);
  const from =
    query.from === undefined
      ? new Date(to.getTime() - DEFAULT_HISTORY_DAYS * DAY_MS)
      : parseDate('from', query.from);
  if (from.getTime() >= to.getTime()) throw new ApiError('BAD_REQUEST', 'from must be before to');
  if (to.getTime() - from.getTime() > MAX_HISTORY_DAYS * DAY_MS) {
    throw new ApiError('BAD_REQUEST', `the range is longer than ${MAX_HISTORY_DAYS} days`);
  }
  return { from, to };
}

/** The default history window: the last 30 days. */
export function recentRange(now: Date): { from: Date; to: Date } {
  return { from: new Date(now.getTime() - DEFAULT_HISTORY_DAYS * DAY_MS), to: now };
}
