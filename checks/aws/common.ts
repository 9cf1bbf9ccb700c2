/**
 * The roll-up every AWS check shares, so that each check is its rule and
 * nothing else: `not_applicable` when AWS is not configured (the default
 * config has none) or a part was not collected; `error`, naming the call,
 * the error code and the IAM permission to grant, when an item the check
 * needs could not be read. What could not be read is never a pass.
 */
import type { CheckOutcome, CheckStatus, CollectedData } from '../types.js';
import {
  type AwsCall,
  type AwsCollectError,
  type AwsSnapshot,
  awsSnapshotOf,
  type CloudTrailSnapshot,
  type Collected,
  type S3Snapshot,
} from './types.js';

/** What each call reads, for messages: "could not read the bucket policy: AccessDenied, grant s3:GetBucketPolicy". */
const READS: Readonly<Record<AwsCall, string>> = {
  GetBucketLocation: "the bucket's region",
  GetPublicAccessBlock: "the bucket's public access block",
  GetBucketPolicy: 'the bucket policy',
  GetBucketPolicyStatus: "the bucket's policy status",
  GetBucketAcl: 'the bucket ACL',
  GetBucketOwnershipControls: "the bucket's object ownership",
  GetBucketEncryption: "the bucket's default encryption",
  GetBucketVersioning: "the bucket's versioning",
  GetObjectLockConfiguration: "the bucket's object lock configuration",
  GetBucketLogging: "the bucket's access logging",
  GetBucketReplication: "the bucket's replication",
  GetAccountPublicAccessBlock: "the account's public access block",
  DescribeTrails: 'the trails',
  GetTrailStatus: "the trail's status",
  GetEventSelectors: "the trail's event selectors",
  LookupEvents: 'the CloudTrail event history',
};

/** One line per failed read: what, the error code, and the permission to grant. */
export function describeError(error: AwsCollectError): string {
  const grant = error.missingPermission === undefined ? '' : `, grant ${error.missingPermission}`;
  return `could not read ${READS[error.call]}: ${error.code}${grant}`;
}

/** The structured fields of a failed read, for evidence (never the SDK's error object). */
export function errorFacts(error: AwsCollectError): Record<string, unknown> {
  return {
    call: error.call,
    code: error.code,
    ...(error.missingPermission !== undefined && { missingPermission: error.missingPermission }),
    ...(error.awsCode !== undefined && { awsCode: error.awsCode }),
    ...(error.httpStatus !== undefined && { httpStatus: error.httpStatus }),
    message: error.message,
  };
}

/** A verdict of a check over the values it needed. The subject (bucket, account) is added to evidence. */
export interface Verdict {
  status: Exclude<CheckStatus, 'error' | 'not_applicable'>;
  message: string;
  evidence: Record<string, unknown>;
}

/** The values of collected items. */
export type Values<T> = { [K in keyof T]: T[K] extends Collected<infer V> ? V : never };

/** The errors among the items, in their order. */
function errorsOf(items: Record<string, Collected<unknown>>): AwsCollectError[] {
  return Object.values(items).flatMap((item) => (item.ok ? [] : [item.error]));
}

/** `error`: the reads that failed, in message and evidence. */
export function errorOutcome(
  errors: readonly AwsCollectError[],
  evidence: Record<string, unknown>,
): CheckOutcome {
  return {
    status: 'error',
    message: errors.map(describeError).join('; '),
    evidence: { ...evidence, errors: errors.map(errorFacts) },
  };
}

/** AWS is not in config (the default): the AWS checks do not apply. A fresh object: callers may extend it. */
function notConfigured(): CheckOutcome {
  return { status: 'not_applicable', message: 'not configured', evidence: {} };
}

function notCollected(part: string): CheckOutcome {
  return { status: 'not_applicable', message: `${part} was not collected`, evidence: {} };
}

/** The snapshot's part a check reads, or why the check does not apply. */
function partOf<K extends 's3' | 'accountS3' | 'cloudtrail'>(
  data: CollectedData,
  key: K,
): { aws: AwsSnapshot; part: NonNullable<AwsSnapshot[K]> } | CheckOutcome {
  const aws = awsSnapshotOf(data);
  if (aws === undefined) return notConfigured();
  if (aws.failure !== undefined) {
    return {
      status: 'error',
      message: `AWS could not be read: ${aws.failure.message}`,
      evidence: { failure: aws.failure },
    };
  }
  const part = aws[key];
  if (part === undefined) return notCollected(key);
  return { aws, part };
}

/** Evaluates over items that must all have been read; `error` when any was not. */
function allRead<T extends Record<string, Collected<unknown>>>(
  items: T,
  subject: Record<string, unknown>,
  evaluate: (values: Values<T>) => Verdict,
): CheckOutcome {
  const errors = errorsOf(items);
  if (errors.length > 0) return errorOutcome(errors, subject);
  const values = Object.fromEntries(
    Object.entries(items).map(([k, item]) => [k, (item as { value: unknown }).value]),
  ) as Values<T>;
  const verdict = evaluate(values);
  return { ...verdict, evidence: { ...subject, ...verdict.evidence } };
}

/** Context of a bucket check. */
export interface BucketContext {
  aws: AwsSnapshot;
  s3: S3Snapshot;
  bucket: string;
}

/**
 * A check of the update bucket over some of its items: `not_applicable`
 * without AWS, `error` when an item could not be read, else the verdict,
 * with the bucket name in evidence.
 */
export function bucketCheck<T extends Record<string, Collected<unknown>>>(
  data: CollectedData,
  pick: (s3: S3Snapshot) => T,
  evaluate: (values: Values<T>, ctx: BucketContext) => Verdict,
): CheckOutcome {
  const found = partOf(data, 's3');
  if ('status' in found) return found;
  const ctx = { aws: found.aws, s3: found.part, bucket: found.part.bucket };
  return allRead(pick(found.part), { bucket: ctx.bucket }, (values) => evaluate(values, ctx));
}

/**
 * Like `bucketCheck`, for checks that can prove a failure from part of their
 * items (a public-write ACL is a failure whatever the policy says): the
 * verdict over what was read stands when it is `fail`; otherwise an unread
 * item makes the check `error`.
 */
export function bucketCheckPartial<T extends Record<string, Collected<unknown>>>(
  data: CollectedData,
  pick: (s3: S3Snapshot) => T,
  evaluate: (values: Partial<Values<T>>, ctx: BucketContext) => Verdict,
): CheckOutcome {
  const found = partOf(data, 's3');
  if ('status' in found) return found;
  const ctx = { aws: found.aws, s3: found.part, bucket: found.part.bucket };
  const items = pick(found.part);
  const values = Object.fromEntries(
    Object.entries(items).flatMap(([k, item]) => (item.ok ? [[k, item.value]] : [])),
  ) as Partial<Values<T>>;
  const verdict = evaluate(values, ctx);
  const errors = errorsOf(items);
  const evidence = { bucket: ctx.bucket, ...verdict.evidence };
  if (errors.length === 0) return { ...verdict, evidence };
  if (verdict.status === 'fail')
    return {
      ...verdict,
      message: `${verdict.message}; ${errors.map(describeError).join('; ')}`,
      evidence: { ...evidence, errors: errors.map(errorFacts) },
    };
  return errorOutcome(errors, evidence);
}

/** A check of the account's S3 settings (S3 Control), with the account id in evidence. */
export function accountCheck<T extends Record<string, Collected<unknown>>>(
  data: CollectedData,
  pick: (account: NonNullable<AwsSnapshot['accountS3']>) => T,
  evaluate: (values: Values<T>) => Verdict,
): CheckOutcome {
  const found = partOf(data, 'accountS3');
  if ('status' in found) return found;
  return allRead(pick(found.part), { accountId: found.part.accountId }, evaluate);
}

/** The CloudTrail part of the snapshot, or why a CloudTrail check does not apply. */
export function cloudTrailOf(
  data: CollectedData,
): { aws: AwsSnapshot; cloudtrail: CloudTrailSnapshot } | CheckOutcome {
  const found = partOf(data, 'cloudtrail');
  if ('status' in found) return found;
  return { aws: found.aws, cloudtrail: found.part };
}

/**
 * Lists the snapshot may echo from config (additive fields of AwsSnapshot):
 * `allowedPrincipals`, who may change the bucket and the trail;
 * `crossAccountWriters`, principals outside the account that may write.
 * Absent: nobody.
 */
export type ConfiguredList = 'allowedPrincipals' | 'crossAccountWriters';

export function configuredList(aws: AwsSnapshot, name: ConfiguredList): readonly string[] {
  const value = (aws as AwsSnapshot & Partial<Record<ConfiguredList, unknown>>)[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
