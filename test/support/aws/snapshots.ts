/**
 * Hand-made AWS snapshots for the S3 and CloudTrail check tests, by scenario:
 * a bucket hardened behind CloudFront OAC, a bucket as AWS creates it since
 * 2023, a misconfigured one, an organization trail seen from a member
 * account, a trail that stopped logging, and AccessDenied everywhere. Each
 * scenario function returns a fresh snapshot; tests change one thing with
 * `withS3`, `withTrail`, `withCloudTrail`. Bucket policies go through the
 * collector's own parser, so tests use policies as AWS returns them.
 */
import { CALL_PERMISSIONS } from '../../../checks/aws/permissions.js';
import { parsePolicy } from '../../../checks/aws/s3.js';
import type {
  AclGrant,
  AdvancedEventSelector,
  AwsCall,
  AwsErrorCode,
  AwsSnapshot,
  BucketPolicy,
  CloudTrailSnapshot,
  Collected,
  ConfigChangeEvent,
  S3Snapshot,
  TrailSnapshot,
  TrailStatus,
} from '../../../checks/aws/types.js';
import { type CollectedData, DEFAULT_CHECK_SETTINGS } from '../../../checks/types.js';
/** The reference time of every check test, as in test/support/checks.ts: far from today. */
export const NOW = new Date('2030-01-01T00:00:00Z');
export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
/** The organization's management account, owner of the organization trail. */
export const MANAGEMENT_ACCOUNT = '999988887777';
export const BUCKET = 'fleet-tuf-repo';
export const REGION = 'us-east-1';
export const OWNER_CANONICAL_ID = 'a'.repeat(64);
export const DISTRIBUTION_ARN = `arn:aws:cloudfront::${ACCOUNT}:distribution/E2QWRUHAPOMQZL`;
export const RELEASE_ROLE = `arn:aws:iam::${ACCOUNT}:role/tuf-release`;
export const HOUR_MS = 3600 * 1000;

export const ok = <T>(value: T): Collected<T> => ({ ok: true, value });

/** An item AWS refused, as the collector reports it: code, call, and the IAM action to grant. */
export function failed<T = never>(
  call: AwsCall,
  code: AwsErrorCode = 'AccessDenied',
): Collected<T> {
  return {
    ok: false,
    error: {
      code,
      call,
      message: `${call}: ${code}`,
      ...(code === 'AccessDenied' && {
        missingPermission: CALL_PERMISSIONS[call].action,
        awsCode: 'AccessDenied',
        httpStatus: 403,
      }),
    },
  };
}

/** A bucket policy as GetBucketPolicy returns it, normalized by the collector. */
export function bucketPolicy(doc: unknown): BucketPolicy {
  return parsePolicy(JSON.stringify(doc));
}

export const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();

// ---------------------------------------------------------------------------
// Policies, as the AWS documentation and consoles write them

export const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
export const OBJECTS_ARN = `${BUCKET_ARN}/*`;

/** The statement the CloudFront console generates for an origin access control. */
export const OAC_READ = {
  Sid: 'AllowCloudFrontServicePrincipal',
  Effect: 'Allow',
  Principal: { Service: 'cloudfront.amazonaws.com' },
  Action: 's3:GetObject',
  Resource: OBJECTS_ARN,
  Condition: { StringEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
};

/** AWS Foundational Security Best Practices S3.5. */
export const DENY_INSECURE_TRANSPORT = {
  Sid: 'DenyInsecureTransport',
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Resource: [BUCKET_ARN, OBJECTS_ARN],
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

export const PUBLIC_READ = {
  Sid: 'PublicRead',
  Effect: 'Allow',
  Principal: '*',
  Action: 's3:GetObject',
  Resource: OBJECTS_ARN,
};

export const CROSS_ACCOUNT_WRITE = {
  Sid: 'PartnerPublishes',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
  Action: ['s3:PutObject', 's3:DeleteObject'],
  Resource: OBJECTS_ARN,
};

export const policyOf = (...statements: unknown[]): BucketPolicy =>
  bucketPolicy({ Version: '2012-10-17', Statement: statements });

// ---------------------------------------------------------------------------
// CloudTrail

/** The advanced selectors tufwatch recommends: management events, and write data events on the bucket. */
export const RECOMMENDED_SELECTORS: AdvancedEventSelector[] = [
  { name: 'Management', fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
  {
    name: 'Update bucket writes',
    fieldSelectors: [
      { field: 'eventCategory', equals: ['Data'] },
      { field: 'resources.type', equals: ['AWS::S3::Object'] },
      { field: 'readOnly', equals: ['false'] },
      { field: 'resources.ARN', startsWith: [`${BUCKET_ARN}/`] },
    ],
  },
];

export function trailStatus(overrides: Partial<TrailStatus> = {}): TrailStatus {
  return {
    isLogging: true,
    latestDeliveryTime: at(-HOUR_MS),
    latestDeliveryError: null,
    latestDigestDeliveryTime: at(-HOUR_MS),
    latestDigestDeliveryError: null,
    startLoggingTime: at(-400 * 24 * HOUR_MS),
    stopLoggingTime: null,
    ...overrides,
  };
}

/** A multi-region trail of the account, logging, validated, KMS-encrypted, recording the bucket's writes. */
export function trail(overrides: Partial<TrailSnapshot> = {}): TrailSnapshot {
  const name = overrides.name ?? 'audit';
  const owner = overrides.ownerAccountId ?? ACCOUNT;
  const home = overrides.homeRegion ?? REGION;
  return {
    name,
    arn: `arn:aws:cloudtrail:${home}:${owner}:trail/${name}`,
    ownerAccountId: owner,
    homeRegion: home,
    isShadow: false,
    isMultiRegion: true,
    isOrganizationTrail: false,
    logFileValidationEnabled: true,
    kmsKeyId: `arn:aws:kms:${home}:${owner}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    s3BucketName: 'audit-logs-111122223333',
    s3KeyPrefix: null,
    includeGlobalServiceEvents: true,
    cloudWatchLogsLogGroupArn: null,
    status: ok(trailStatus()),
    eventSelectors: ok({ kind: 'advanced', selectors: RECOMMENDED_SELECTORS }),
    ...overrides,
  };
}

/** A configuration change as LookupEvents reports it (by default: the release role changed the policy). */
export function event(overrides: Partial<ConfigChangeEvent> = {}): ConfigChangeEvent {
  return {
    eventId: '3a7c1f52-0000-4000-8000-000000000001',
    eventName: 'PutBucketPolicy',
    eventTime: at(-2 * 24 * HOUR_MS),
    eventSource: 's3.amazonaws.com',
    username: 'tuf-release-session',
    principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/tuf-release/tuf-release-session`,
    principalType: 'AssumedRole',
    principalAccountId: ACCOUNT,
    invokedBy: null,
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.15.0',
    errorCode: null,
    resources: [{ type: 'AWS::S3::Bucket', name: BUCKET }],
    requestParameters: { bucketName: BUCKET, policy: '' },
    ...overrides,
  };
}

function cloudTrail(
  trails: Collected<TrailSnapshot[]>,
  events: ConfigChangeEvent[] = [],
): CloudTrailSnapshot {
  return {
    region: REGION,
    configuredTrails: null,
    trails,
    events: ok({
      from: at(-7 * 24 * HOUR_MS),
      to: NOW.toISOString(),
      lookbackDays: 7,
      eventNames: [],
      events,
      truncated: false,
    }),
  };
}

// ---------------------------------------------------------------------------
// Scenarios

function base(s3: S3Snapshot, cloudtrail: CloudTrailSnapshot, accountBlock = true): AwsSnapshot {
  return {
    collectedAt: NOW.toISOString(),
    accountId: ACCOUNT,
    region: REGION,
    bucket: BUCKET,
    expectedBucketOwner: ACCOUNT,
    s3,
    accountS3: {
      accountId: ACCOUNT,
      publicAccessBlock: ok(
        accountBlock
          ? {
              blockPublicAcls: true,
              ignorePublicAcls: true,
              blockPublicPolicy: true,
              restrictPublicBuckets: true,
            }
          : null,
      ),
    },
    cloudtrail,
  };
}

const ALL_BLOCKED = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};
const OWNER_ONLY_ACL = {
  ownerId: OWNER_CANONICAL_ID,
  grants: [
    {
      grantee: {
        type: 'CanonicalUser',
        id: OWNER_CANONICAL_ID,
        uri: null,
        emailAddress: null,
        displayName: null,
      },
      permission: 'FULL_CONTROL',
    },
  ],
};

/** Behind CloudFront OAC: everything on, KMS, MFA Delete, Object Lock, logs elsewhere, a full trail. */
export function hardened(): AwsSnapshot {
  return base(
    {
      bucket: BUCKET,
      region: ok(REGION),
      publicAccessBlock: ok(ALL_BLOCKED),
      policy: ok(policyOf(OAC_READ, DENY_INSECURE_TRANSPORT)),
      policyStatus: ok({ isPublic: false }),
      acl: ok(OWNER_ONLY_ACL),
      ownershipControls: ok({ objectOwnership: 'BucketOwnerEnforced' }),
      encryption: ok({
        rules: [
          {
            sseAlgorithm: 'aws:kms',
            kmsMasterKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/0f0e0d0c-1111-2222-3333-444455556666`,
            bucketKeyEnabled: true,
          },
        ],
      }),
      versioning: ok({ status: 'Enabled', mfaDelete: 'Enabled' }),
      objectLock: ok({
        enabled: true,
        defaultRetention: { mode: 'GOVERNANCE', days: 90, years: null },
      }),
      logging: ok({ targetBucket: 'access-logs-111122223333', targetPrefix: `${BUCKET}/` }),
      replication: ok(null),
    },
    cloudTrail(ok([trail()]), [event()]),
  );
}

/**
 * A bucket as AWS creates it since April 2023: SSE-S3, ACLs disabled, public
 * access blocked, nothing else; no account-level block, no trail.
 */
export function defaultSince2023(): AwsSnapshot {
  return base(
    {
      bucket: BUCKET,
      region: ok(REGION),
      publicAccessBlock: ok(ALL_BLOCKED),
      policy: ok(null),
      policyStatus: ok({ isPublic: false }),
      acl: ok(OWNER_ONLY_ACL),
      ownershipControls: ok({ objectOwnership: 'BucketOwnerEnforced' }),
      encryption: ok({
        rules: [{ sseAlgorithm: 'AES256', kmsMasterKeyId: null, bucketKeyEnabled: false }],
      }),
      versioning: ok({ status: null, mfaDelete: null }),
      objectLock: ok(null),
      logging: ok(null),
      replication: ok(null),
    },
    cloudTrail(ok([])),
    false,
  );
}

/**
 * Public write ACL, ACLs enabled, no public access block, a public-read and a
 * cross-account write policy, versioning suspended, no logging, no TLS-only
 * statement; a single-region trail without validation or KMS, failing to
 * deliver, recording writes under one prefix only; an outsider changed the ACL.
 */
export function misconfigured(): AwsSnapshot {
  const allUsers = (permission: string): AclGrant => ({
    grantee: {
      type: 'Group',
      id: null,
      uri: 'http://acs.amazonaws.com/groups/global/AllUsers',
      emailAddress: null,
      displayName: null,
    },
    permission,
  });
  return base(
    {
      bucket: BUCKET,
      region: ok(REGION),
      publicAccessBlock: ok(null),
      policy: ok(policyOf(PUBLIC_READ, CROSS_ACCOUNT_WRITE)),
      policyStatus: ok({ isPublic: true }),
      acl: ok({
        ownerId: OWNER_CANONICAL_ID,
        grants: [...OWNER_ONLY_ACL.grants, allUsers('READ'), allUsers('WRITE')],
      }),
      ownershipControls: ok({ objectOwnership: 'ObjectWriter' }),
      encryption: ok({
        rules: [{ sseAlgorithm: 'AES256', kmsMasterKeyId: null, bucketKeyEnabled: false }],
      }),
      versioning: ok({ status: 'Suspended', mfaDelete: 'Disabled' }),
      objectLock: ok(null),
      logging: ok(null),
      replication: ok(null),
    },
    cloudTrail(
      ok([
        trail({
          isMultiRegion: false,
          logFileValidationEnabled: false,
          kmsKeyId: null,
          status: ok(
            trailStatus({
              latestDeliveryError: 'AccessDenied',
              latestDeliveryTime: at(-3 * 24 * HOUR_MS),
            }),
          ),
          eventSelectors: ok({
            kind: 'basic',
            selectors: [
              {
                readWriteType: 'All',
                includeManagementEvents: true,
                dataResources: [{ type: 'AWS::S3::Object', values: [`${BUCKET_ARN}/stable/`] }],
                excludeManagementEventSources: [],
              },
            ],
          }),
        }),
      ]),
      [
        event({
          eventId: 'outsider-acl',
          eventName: 'PutBucketAcl',
          principalArn: `arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`,
          principalType: 'IAMUser',
          principalAccountId: OTHER_ACCOUNT,
          username: 'mallory',
        }),
      ],
    ),
    false,
  );
}

/** The account is a member of an organization: its only trail is the organization trail, a shadow trail. */
export function orgTrailFromMember(): AwsSnapshot {
  const aws = hardened();
  const org = trail({
    name: 'org-audit',
    ownerAccountId: MANAGEMENT_ACCOUNT,
    homeRegion: 'us-west-2',
    isShadow: true,
    isOrganizationTrail: true,
    s3BucketName: 'org-audit-logs',
  });
  return withTrails(aws, [org]);
}

/** The hardened bucket, but its trail stopped logging yesterday, by someone not allowed. */
export function stoppedTrail(): AwsSnapshot {
  const aws = hardened();
  const stopped = trail({
    status: ok(
      trailStatus({
        isLogging: false,
        stopLoggingTime: at(-24 * HOUR_MS),
        latestDeliveryTime: at(-24 * HOUR_MS - HOUR_MS),
      }),
    ),
  });
  return withCloudTrail(withTrails(aws, [stopped]), {
    events: ok({
      from: at(-7 * 24 * HOUR_MS),
      to: NOW.toISOString(),
      lookbackDays: 7,
      eventNames: [],
      events: [
        event({
          eventId: 'stop',
          eventName: 'StopLogging',
          eventSource: 'cloudtrail.amazonaws.com',
          eventTime: at(-24 * HOUR_MS),
          principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/build-4711`,
          username: 'build-4711',
          resources: [{ type: 'AWS::CloudTrail::Trail', name: stopped.arn }],
          requestParameters: { name: stopped.arn },
        }),
      ],
      truncated: false,
    }),
  });
}

/** Every call refused: the role tufwatch runs as has no permission at all. */
export function accessDenied(): AwsSnapshot {
  const aws = hardened();
  return {
    ...aws,
    s3: {
      bucket: BUCKET,
      region: failed('GetBucketLocation'),
      publicAccessBlock: failed('GetPublicAccessBlock'),
      policy: failed('GetBucketPolicy'),
      policyStatus: failed('GetBucketPolicyStatus'),
      acl: failed('GetBucketAcl'),
      ownershipControls: failed('GetBucketOwnershipControls'),
      encryption: failed('GetBucketEncryption'),
      versioning: failed('GetBucketVersioning'),
      objectLock: failed('GetObjectLockConfiguration'),
      logging: failed('GetBucketLogging'),
      replication: failed('GetBucketReplication'),
    },
    accountS3: { accountId: ACCOUNT, publicAccessBlock: failed('GetAccountPublicAccessBlock') },
    cloudtrail: {
      region: REGION,
      configuredTrails: null,
      trails: failed('DescribeTrails'),
      events: failed('LookupEvents'),
    },
  };
}

// ---------------------------------------------------------------------------
// Changing one thing

export function withS3(aws: AwsSnapshot, patch: Partial<S3Snapshot>): AwsSnapshot {
  return { ...aws, s3: { ...(aws.s3 as S3Snapshot), ...patch } };
}

export function withCloudTrail(aws: AwsSnapshot, patch: Partial<CloudTrailSnapshot>): AwsSnapshot {
  return { ...aws, cloudtrail: { ...(aws.cloudtrail as CloudTrailSnapshot), ...patch } };
}

export function withTrails(aws: AwsSnapshot, trails: TrailSnapshot[]): AwsSnapshot {
  return withCloudTrail(aws, { trails: ok(trails) });
}

/** Changes the first trail of a scenario. */
export function withTrail(aws: AwsSnapshot, patch: Partial<TrailSnapshot>): AwsSnapshot {
  const trails = aws.cloudtrail?.trails;
  const first = trails?.ok === true ? trails.value[0] : undefined;
  return withTrails(aws, [{ ...(first ?? trail()), ...patch }]);
}

export function withEvents(
  aws: AwsSnapshot,
  events: ConfigChangeEvent[],
  extra: { truncated?: boolean } = {},
): AwsSnapshot {
  return withCloudTrail(aws, {
    events: ok({
      from: at(-7 * 24 * HOUR_MS),
      to: NOW.toISOString(),
      lookbackDays: 7,
      eventNames: [],
      events,
      truncated: extra.truncated ?? false,
    }),
  });
}

/** Echoes lists from config into the snapshot (`allowedPrincipals`, `crossAccountWriters`). */
export function withLists(
  aws: AwsSnapshot,
  lists: { allowedPrincipals?: string[]; crossAccountWriters?: string[] },
): AwsSnapshot {
  return { ...aws, ...lists };
}

/** What checks evaluate: the snapshot as the run stores it (undefined: AWS not configured). */
export function collectedAws(aws: AwsSnapshot | undefined, now: Date = NOW): CollectedData {
  return {
    now,
    tuf: [],
    ...(aws !== undefined && { aws }),
    settings: { ...DEFAULT_CHECK_SETTINGS },
  };
}
