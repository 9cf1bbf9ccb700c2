/**
 * The normalized AWS snapshot that the S3 and CloudTrail checks evaluate.
 *
 * A public contract between the collectors (`checks/aws/collect.ts`, the only
 * code that calls the AWS SDK) and the pure checks (`checks/s3/*`,
 * `checks/cloudtrail/*`). Change it only additively.
 *
 * Conventions, everywhere in this file:
 * - Every item read with one API call is a `Collected<T>`: `ok: true` with the
 *   value, or `ok: false` with why it could not be read. A check whose input is
 *   `ok: false` has status `error`, never `pass` (STYLE: never turn an error into
 *   a pass).
 * - "Not configured" is data, not an error: a bucket without default encryption
 *   is `encryption: { ok: true, value: null }`, never an error. Each field says
 *   which AWS error name means "not configured" for it.
 * - Enumerations AWS may extend (SSE algorithms, object ownership values, event
 *   selector fields) are passed through as strings, exactly as AWS spelled them;
 *   the known values are listed in the comments. Enumerations AWS has closed
 *   (versioning status, MFA Delete, policy effects) are unions.
 * - Absent AWS booleans are normalized to AWS's documented default (e.g. a
 *   public access block flag that is absent is `false`).
 * - Times are ISO 8601 strings (UTC), so the snapshot is JSON evidence as is.
 * - Arrays are never absent: "none" is `[]`.
 */
import type { CollectedData } from '../types.js';

// ---------------------------------------------------------------------------
// Collected values and their errors

/** One item read from AWS: its value, or why it could not be read. */
export type Collected<T> = { ok: true; value: T } | { ok: false; error: AwsCollectError };

/**
 * Why an item could not be read; closed set, branch on it, never on `message`.
 * - `AccessDenied`: AWS refused the call (`AccessDenied`, `AccessDeniedException`,
 *   or any 403). `missingPermission` names the IAM action to grant. Note: S3
 *   also answers 403 AccessDenied when `ExpectedBucketOwner` does not own the
 *   bucket.
 * - `NoSuchBucket`: the bucket does not exist (or not in this partition).
 * - `TrailNotFound`: a trail listed by DescribeTrails vanished before it was read.
 * - `Throttled`: still throttled after the bounded retries (`SlowDown`,
 *   `ThrottlingException`, `TooManyRequestsException`...).
 * - `NotImplemented`: the endpoint does not implement this API (S3-compatible
 *   stores, emulators; e.g. moto has no GetBucketPolicyStatus).
 * - `Timeout`: no answer within the request timeout.
 * - `NetworkError`: the connection failed (DNS, refused, reset).
 * - `InvalidResponse`: AWS answered something the collector could not
 *   interpret (e.g. a bucket policy that is not JSON).
 * - `ServiceError`: any other error; `awsCode` says which.
 */
export type AwsErrorCode =
  | 'AccessDenied'
  | 'NoSuchBucket'
  | 'TrailNotFound'
  | 'Throttled'
  | 'NotImplemented'
  | 'Timeout'
  | 'NetworkError'
  | 'InvalidResponse'
  | 'ServiceError';

export const AWS_ERROR_CODES: readonly AwsErrorCode[] = Object.freeze([
  'AccessDenied',
  'NoSuchBucket',
  'TrailNotFound',
  'Throttled',
  'NotImplemented',
  'Timeout',
  'NetworkError',
  'InvalidResponse',
  'ServiceError',
]);

export interface AwsCollectError {
  code: AwsErrorCode;
  /** Human-readable, for the evidence; never branch on it. */
  message: string;
  /** The API operation that failed, e.g. `GetBucketEncryption`. */
  call: AwsCall;
  /** Only with `AccessDenied`: the IAM action to grant, e.g. `s3:GetEncryptionConfiguration`. */
  missingPermission?: string;
  /** The error name AWS sent (`AccessDenied`, `SlowDown`, `InternalError`...), when there was one. */
  awsCode?: string;
  /** The HTTP status of the last answer, when there was one. */
  httpStatus?: number;
}

/**
 * Every AWS API operation tufwatch makes. Each has exactly one IAM action in
 * the permission table (`checks/aws/permissions.ts`), which the IAM policy in
 * `deploy/iam/tufwatch-readonly.json` is tested against.
 */
export type AwsCall =
  | 'GetBucketLocation'
  | 'GetPublicAccessBlock'
  | 'GetBucketPolicy'
  | 'GetBucketPolicyStatus'
  | 'GetBucketAcl'
  | 'GetBucketOwnershipControls'
  | 'GetBucketEncryption'
  | 'GetBucketVersioning'
  | 'GetObjectLockConfiguration'
  | 'GetBucketLogging'
  | 'GetBucketReplication'
  /** S3 Control's GetPublicAccessBlock (the account's block), named apart from the bucket's. */
  | 'GetAccountPublicAccessBlock'
  | 'DescribeTrails'
  | 'GetTrailStatus'
  | 'GetEventSelectors'
  | 'LookupEvents';

// ---------------------------------------------------------------------------
// The snapshot

/**
 * Everything the AWS collectors read in one run. It is what
 * `CollectedData.aws` holds ("keyed by collector": `s3`, `accountS3`,
 * `cloudtrail`); read it with `awsSnapshotOf(data)`.
 *
 * A part that is absent was not collected (not configured or disabled): checks
 * on it are `not_applicable`. `collectAws` always fills all three.
 */
export type AwsSnapshot = {
  /** When collection started (the run's reference time), ISO 8601. */
  collectedAt: string;
  /** From config: the account audited, the region queried, the bucket. */
  accountId: string;
  region: string;
  bucket: string;
  /** Sent as `ExpectedBucketOwner` on every bucket call (default: `accountId`). */
  expectedBucketOwner: string;
  s3?: S3Snapshot;
  accountS3?: AccountS3Snapshot;
  cloudtrail?: CloudTrailSnapshot;
  /** Echoed from config: who may change the bucket and trail, who outside the account may write. */
  allowedPrincipals?: readonly string[];
  crossAccountWriters?: readonly string[];
  /** Echoed from config: public read of the bucket is intended (s3.policy-status). */
  allowPublicRead?: boolean;
  /** Set when collection as a whole failed (a timeout): every AWS check is then `error`. */
  failure?: { code: string; message: string };
};

/** The AWS snapshot of a run, or undefined when AWS is not configured. */
export function awsSnapshotOf(data: Pick<CollectedData, 'aws'>): AwsSnapshot | undefined {
  // The composition root stores the collector's AwsSnapshot as is (see collectAws).
  return data.aws as AwsSnapshot | undefined;
}

// ---------------------------------------------------------------------------
// S3: the bucket

/** The bucket that hosts the repository, one API call per field. */
export interface S3Snapshot {
  bucket: string;
  /**
   * GetBucketLocation, normalized to a region code: an empty LocationConstraint
   * is `us-east-1`, the legacy `EU` is `eu-west-1`.
   */
  region: Collected<string>;
  /** GetPublicAccessBlock (bucket); `null` on `NoSuchPublicAccessBlockConfiguration`. */
  publicAccessBlock: Collected<PublicAccessBlock | null>;
  /** GetBucketPolicy; `null` on `NoSuchBucketPolicy`. */
  policy: Collected<BucketPolicy | null>;
  /**
   * GetBucketPolicyStatus: AWS's own verdict on the policy. AWS answers
   * `NoSuchBucketPolicy` when there is no policy: that is `{ isPublic: false }`.
   */
  policyStatus: Collected<{ isPublic: boolean }>;
  /** GetBucketAcl. With ACLs disabled (BucketOwnerEnforced) it still answers: the owner's FULL_CONTROL. */
  acl: Collected<BucketAcl>;
  /** GetBucketOwnershipControls; `null` on `OwnershipControlsNotFoundError`. */
  ownershipControls: Collected<OwnershipControls | null>;
  /** GetBucketEncryption; `null` on `ServerSideEncryptionConfigurationNotFoundError`. */
  encryption: Collected<BucketEncryption | null>;
  /** GetBucketVersioning (never "not configured": a status of `null` is "never enabled"). */
  versioning: Collected<BucketVersioning>;
  /** GetObjectLockConfiguration; `null` on `ObjectLockConfigurationNotFoundError`. */
  objectLock: Collected<ObjectLock | null>;
  /** GetBucketLogging; `null` when server access logging is off (an empty answer). */
  logging: Collected<BucketLogging | null>;
  /** GetBucketReplication; `null` on `ReplicationConfigurationNotFoundError`. */
  replication: Collected<BucketReplication | null>;
}

/** The four flags of S3 Block Public Access; an absent flag is `false`. */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** A bucket policy: the exact text AWS returned and its normalized statements. */
export interface BucketPolicy {
  /** The policy as AWS returned it (for the evidence). */
  text: string;
  version: string | null;
  id: string | null;
  statements: PolicyStatement[];
}

/**
 * One statement, normalized: every single-string-or-array field is an array,
 * every condition value is an array of strings (`false` becomes `"false"`).
 * A field the statement does not have is absent (`principal` and
 * `notPrincipal` are mutually exclusive, as are `action`/`notAction` and
 * `resource`/`notResource`).
 */
export interface PolicyStatement {
  sid: string | null;
  effect: 'Allow' | 'Deny';
  principal?: PolicyPrincipal;
  notPrincipal?: PolicyPrincipal;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  /**
   * operator (as written, e.g. `Bool`, `StringEquals`, `ForAnyValue:StringLike`,
   * `ArnLike`, `IpAddress`) -> condition key (as written, e.g. `aws:SecureTransport`,
   * `AWS:SourceArn`; IAM keys are case-insensitive) -> values. `{}` when none.
   */
  condition: Record<string, Record<string, string[]>>;
}

/**
 * `'*'` is the anonymous / everyone principal (`"Principal": "*"`). Otherwise
 * principal type -> values, as written: `AWS` (account ids, account or role
 * ARNs, or `*`), `Service` (e.g. `cloudfront.amazonaws.com`), `Federated`,
 * `CanonicalUser`. Note `{ AWS: ['*'] }` is also everyone.
 */
export type PolicyPrincipal = '*' | Record<string, string[]>;

export interface BucketAcl {
  /** Canonical user id of the bucket owner; `null` when AWS did not send it. */
  ownerId: string | null;
  grants: AclGrant[];
}

export interface AclGrant {
  grantee: AclGrantee;
  /** `FULL_CONTROL`, `WRITE`, `WRITE_ACP`, `READ`, `READ_ACP`. */
  permission: string;
}

/**
 * `type` as AWS sends it in `xsi:type`: `CanonicalUser` (with `id`), `Group`
 * (with `uri`: `http://acs.amazonaws.com/groups/global/AllUsers` is everyone,
 * `.../AuthenticatedUsers` is every AWS account, `.../s3/LogDelivery`), or
 * `AmazonCustomerByEmail` (with `emailAddress`).
 */
export interface AclGrantee {
  type: string;
  id: string | null;
  uri: string | null;
  emailAddress: string | null;
  displayName: string | null;
}

/** The one rule of S3 Object Ownership. */
export interface OwnershipControls {
  /** `BucketOwnerEnforced` (ACLs disabled), `BucketOwnerPreferred`, `ObjectWriter`. */
  objectOwnership: string;
}

export interface BucketEncryption {
  rules: EncryptionRule[];
}

export interface EncryptionRule {
  /** `AES256` (SSE-S3), `aws:kms` (SSE-KMS), `aws:kms:dsse` (DSSE-KMS). */
  sseAlgorithm: string;
  /** The KMS key (id, alias or ARN) for `aws:kms*`; `null` for SSE-S3 or the AWS managed key. */
  kmsMasterKeyId: string | null;
  bucketKeyEnabled: boolean;
}

export interface BucketVersioning {
  /** `null`: versioning was never enabled on this bucket. */
  status: 'Enabled' | 'Suspended' | null;
  /** `null`: AWS did not report MFA Delete (never configured). moto never reports it. */
  mfaDelete: 'Enabled' | 'Disabled' | null;
}

export interface ObjectLock {
  /** ObjectLockEnabled = `Enabled`. */
  enabled: boolean;
  /** The default retention of new object versions; `null` when there is no default rule. */
  defaultRetention: {
    /** `GOVERNANCE` or `COMPLIANCE`. */
    mode: string;
    days: number | null;
    years: number | null;
  } | null;
}

export interface BucketLogging {
  targetBucket: string;
  targetPrefix: string;
}

export interface BucketReplication {
  /** The IAM role S3 assumes to replicate. */
  role: string;
  rules: ReplicationRule[];
}

export interface ReplicationRule {
  id: string | null;
  /** `Enabled` or `Disabled`. */
  status: string;
  priority: number | null;
  /** Destination bucket ARN. */
  destinationBucket: string;
  /** Destination account, when the rule names one (cross-account replication). */
  destinationAccount: string | null;
}

// ---------------------------------------------------------------------------
// S3 Control: the account

export interface AccountS3Snapshot {
  accountId: string;
  /** S3 Control GetPublicAccessBlock; `null` on `NoSuchPublicAccessBlockConfiguration`. */
  publicAccessBlock: Collected<PublicAccessBlock | null>;
}

// ---------------------------------------------------------------------------
// CloudTrail

export interface CloudTrailSnapshot {
  /** The region the CloudTrail calls were made in (config `aws.region`). */
  region: string;
  /**
   * `aws.trails` from config (names or ARNs), or `null` when not configured.
   * When configured, `trails` holds only the trails it names (matched by name
   * or ARN); a configured trail that DescribeTrails did not return is missing
   * from `trails`, and checks should say so.
   */
  configuredTrails: string[] | null;
  /**
   * DescribeTrails (includeShadowTrails: true) in `region`, each with its
   * status and event selectors.
   */
  trails: Collected<TrailSnapshot[]>;
  /** LookupEvents over the look-back window, in `region`. */
  events: Collected<ConfigChangeEvents>;
}

export interface TrailSnapshot {
  name: string;
  /** The full trail ARN; used for every per-trail call (shadow trails need it). */
  arn: string;
  /** The account that owns the trail (from the ARN): the management account for an organization trail. */
  ownerAccountId: string;
  homeRegion: string;
  /**
   * A replica seen from outside where it was created: its home region is not
   * `region`, or it belongs to another account (an organization trail seen
   * from a member account).
   */
  isShadow: boolean;
  isMultiRegion: boolean;
  isOrganizationTrail: boolean;
  logFileValidationEnabled: boolean;
  /** KMS key ARN encrypting the log files, `null` when SSE-S3 only. */
  kmsKeyId: string | null;
  s3BucketName: string | null;
  s3KeyPrefix: string | null;
  includeGlobalServiceEvents: boolean;
  cloudWatchLogsLogGroupArn: string | null;
  /** GetTrailStatus (by ARN). */
  status: Collected<TrailStatus>;
  /** GetEventSelectors (by ARN). */
  eventSelectors: Collected<TrailEventSelectors>;
}

export interface TrailStatus {
  isLogging: boolean;
  /** ISO 8601 times, `null` when AWS reported none. */
  latestDeliveryTime: string | null;
  latestDeliveryError: string | null;
  latestDigestDeliveryTime: string | null;
  latestDigestDeliveryError: string | null;
  startLoggingTime: string | null;
  stopLoggingTime: string | null;
}

/**
 * A trail uses either basic event selectors or advanced event selectors,
 * never both. `none`: neither is set (the trail logs no events).
 */
export type TrailEventSelectors =
  | { kind: 'basic'; selectors: BasicEventSelector[] }
  | { kind: 'advanced'; selectors: AdvancedEventSelector[] }
  | { kind: 'none' };

/** AWS defaults applied: ReadWriteType `All`, IncludeManagementEvents `true`. */
export interface BasicEventSelector {
  /** `ReadOnly`, `WriteOnly` or `All`. */
  readWriteType: string;
  includeManagementEvents: boolean;
  /** e.g. `{ type: 'AWS::S3::Object', values: ['arn:aws:s3:::bucket/'] }`. */
  dataResources: { type: string; values: string[] }[];
  excludeManagementEventSources: string[];
}

/**
 * Field selectors are AND'ed within a selector; selectors are OR'ed.
 */
export interface AdvancedEventSelector {
  name: string | null;
  fieldSelectors: FieldSelector[];
}

/**
 * `field`: `eventCategory`, `resources.type`, `resources.ARN`, `readOnly`,
 * `eventName`, `eventSource`... An operator that is absent does not constrain;
 * an operator that is present is never empty (AWS requires at least one value).
 * Values in one operator are OR'ed (Equals/StartsWith/EndsWith: any matches;
 * NotEquals/NotStartsWith/NotEndsWith: none matches), operators are AND'ed.
 */
export interface FieldSelector {
  field: string;
  equals?: string[];
  startsWith?: string[];
  endsWith?: string[];
  notEquals?: string[];
  notStartsWith?: string[];
  notEndsWith?: string[];
}

/** The configuration-change events LookupEvents found in the window. */
export interface ConfigChangeEvents {
  /** The window [from, to), ISO 8601; `to` is the run's reference time. */
  from: string;
  to: string;
  lookbackDays: number;
  /** The event names queried (`CONFIG_CHANGE_EVENT_NAMES`). */
  eventNames: string[];
  /** Every event name's results merged, newest first. */
  events: ConfigChangeEvent[];
  /**
   * True when the page cap stopped pagination before the window was covered:
   * older events in the window may be missing.
   */
  truncated: boolean;
}

/**
 * The event names tufwatch looks up (one LookupEvents query each: AWS allows
 * one lookup attribute per query). These are CloudTrail event names, which
 * differ from API names for Block Public Access: the S3 API PutPublicAccessBlock
 * is recorded as `PutBucketPublicAccessBlock`, S3 Control's as
 * `PutAccountPublicAccessBlock`.
 */
export const CONFIG_CHANGE_EVENT_NAMES = Object.freeze([
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketAcl',
  'PutBucketPublicAccessBlock',
  'DeleteBucketPublicAccessBlock',
  'PutAccountPublicAccessBlock',
  'DeleteAccountPublicAccessBlock',
  'PutBucketVersioning',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketLogging',
  'PutObjectLockConfiguration',
  'PutBucketOwnershipControls',
  'DeleteBucketOwnershipControls',
  'StopLogging',
  'DeleteTrail',
  'UpdateTrail',
  'PutEventSelectors',
] as const);

export type ConfigChangeEventName = (typeof CONFIG_CHANGE_EVENT_NAMES)[number];

export interface ConfigChangeEvent {
  eventId: string;
  eventName: ConfigChangeEventName;
  /** ISO 8601. */
  eventTime: string;
  /** `s3.amazonaws.com`, `cloudtrail.amazonaws.com`. */
  eventSource: string | null;
  /** LookupEvents' `Username` (an IAM user, a role session name...). */
  username: string | null;
  /** `userIdentity.arn` of the CloudTrailEvent: who made the call; `null` for some service principals. */
  principalArn: string | null;
  /** `userIdentity.type`: `IAMUser`, `AssumedRole`, `Root`, `AWSService`, `AWSAccount`... */
  principalType: string | null;
  /** `userIdentity.accountId`: the account of the caller. */
  principalAccountId: string | null;
  /** `userIdentity.invokedBy` (e.g. `cloudformation.amazonaws.com`). */
  invokedBy: string | null;
  sourceIPAddress: string | null;
  userAgent: string | null;
  /**
   * `errorCode` of the event: the call FAILED (e.g. `AccessDenied`) and
   * changed nothing; `null` when it succeeded.
   */
  errorCode: string | null;
  /** LookupEvents' resources: e.g. `{ type: 'AWS::S3::Bucket', name: 'fleet-tuf-repo' }`. */
  resources: { type: string | null; name: string | null }[];
  /** The event's `requestParameters` object (e.g. `bucketName`, `name` of the trail), `null` when absent. */
  requestParameters: Record<string, unknown> | null;
}
