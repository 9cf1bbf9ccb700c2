import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import type { AwsConfig } from '../../server/types.js';
import { CALL_PERMISSIONS } from './permissions.js';
import type { AwsCall, AwsCollectError, AwsErrorCode, Collected } from './types.js';

/** The three SDK clients the collectors use. */
export interface AwsClients {
  s3: S3Client;
  s3control: S3ControlClient;
  cloudtrail: CloudTrailClient;
}

/** Bounds of every AWS call; safe defaults, overridable for tests. */
export interface ClientLimits {
  /** Attempts per call, the first included: throttling and 5xx are retried with backoff. */
  maxAttempts: number;
  /** TCP connect timeout. */
  connectionTimeoutMs: number;
  /** Time to the end of one answer, per attempt. */
  requestTimeoutMs: number;
}

export const DEFAULT_CLIENT_LIMITS: Readonly<ClientLimits> = Object.freeze({
  maxAttempts: 4,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
});

export interface ClientOptions extends Partial<ClientLimits> {
  /** Default: the SDK's default provider chain (env, shared files, SSO, IMDS/ECS...). */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * Builds the clients from config. `aws.endpoint`, when set, serves all three
 * services (an S3-compatible store, the emulator, moto): S3 is addressed path
 * style there, and S3 Control at the endpoint itself, because the SDK's
 * endpoint rules would otherwise prefix the account id to its host
 * (`123456789012.127.0.0.1` is no host).
 */
export function createAwsClients(config: AwsConfig, options: ClientOptions = {}): AwsClients {
  const limits = { ...DEFAULT_CLIENT_LIMITS, ...options };
  const common = {
    region: config.region,
    maxAttempts: limits.maxAttempts,
    // Standard mode retries throttling errors with a longer base delay than other errors.
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: limits.connectionTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Without it the SDK only logs a warning and keeps waiting on a hung socket.
      throwOnRequestTimeout: true,
    },
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
  const endpoint = config.endpoint;
  if (endpoint === undefined) {
    return {
      s3: new S3Client(common),
      s3control: new S3ControlClient(common),
      cloudtrail: new CloudTrailClient(common),
    };
  }
  return {
    s3: new S3Client({ ...common, endpoint, forcePathStyle: true }),
    s3control: new S3ControlClient({
      ...common,
      endpointProvider: () => ({ url: new URL(endpoint) }),
    }),
    cloudtrail: new CloudTrailClient({ ...common, endpoint }),
  };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.s3.destroy();
  clients.s3control.destroy();
  clients.cloudtrail.destroy();
}

/** An answer AWS gave that the collector cannot interpret (e.g. a policy that is not JSON). */
export class InvalidResponseError extends Error {
  override name = 'InvalidResponseError';
}

/**
 * Runs one call. `notConfigured` lists the AWS error names that mean "not
 * configured": they become `{ ok: true, value: ifNotConfigured }` (matched by
 * `error.name`, never by message).
 */
export async function collect<T>(
  call: AwsCall,
  run: () => Promise<T>,
  notConfigured: readonly string[] = [],
  ifNotConfigured?: T,
): Promise<Collected<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (notConfigured.includes(nameOf(err))) return { ok: true, value: ifNotConfigured as T };
    return { ok: false, error: toCollectError(call, err) };
  }
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
/** Error names that mean "slow down", across S3, S3 Control and CloudTrail. */
const THROTTLED = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
]);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Maps an SDK (or network) error to the snapshot's closed error codes. */
export function toCollectError(call: AwsCall, err: unknown): AwsCollectError {
  const name = nameOf(err);
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
    $response?: unknown;
  };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const httpStatus = e.$metadata?.httpStatusCode;
  const code = classify(name, typeof e.code === 'string' ? e.code : '', httpStatus, e);
  const out: AwsCollectError = { code, message, call };
  if (code === 'AccessDenied') out.missingPermission = CALL_PERMISSIONS[call].action;
  // An SDK service error carries AWS's error name; a network error does not.
  if (httpStatus !== undefined) {
    out.awsCode = name;
    out.httpStatus = httpStatus;
  }
  return out;
}

function classify(
  name: string,
  code: string,
  httpStatus: number | undefined,
  e: { $response?: unknown },
): AwsErrorCode {
  if (ACCESS_DENIED.has(name)) return 'AccessDenied';
  if (name === 'NoSuchBucket') return 'NoSuchBucket';
  if (name === 'TrailNotFoundException') return 'TrailNotFound';
  if (THROTTLED.has(name) || httpStatus === 429) return 'Throttled';
  if (name === 'NotImplemented' || httpStatus === 501) return 'NotImplemented';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return 'Timeout';
  if (NETWORK.has(code)) return 'NetworkError';
  // Our own parse failures, and the SDK's when AWS's answer was not the protocol's format.
  if (name === 'InvalidResponseError' || (name === 'SyntaxError' && e.$response !== undefined))
    return 'InvalidResponse';
  return 'ServiceError';
}

function nameOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as Error).name === 'string')
    return (err as Error).name;
  return '';
}
