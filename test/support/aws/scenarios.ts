/**
 * AWS scenarios for the emulator: one account, one region, the repository's
 * bucket and the trails that watch it. Each function returns a fresh object,
 * so a test may change it. Times are relative to `now` (tests pass a fixed
 * date far from today).
 */
import type { AwsConfig } from '../../../server/types.js';
import type {
  AwsScenario,
  EmulatedBucket,
  EmulatedEvent,
  EmulatedGrant,
  EmulatedTrail,
} from './emulator.js';

export const ACCOUNT_ID = '123456789012';
/** The organization's management account (owner of the organization trail). */
export const MANAGEMENT_ACCOUNT_ID = '111122223333';
/** Some other account, e.g. a vendor's. */
export const OTHER_ACCOUNT_ID = '444455556666';
export const REGION = 'us-east-1';
export const BUCKET = 'fleet-tuf-repo';
export const OWNER_CANONICAL_ID =
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
export const KMS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const DISTRIBUTION_ARN = `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/E2QWRUHAPOMQZL`;
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/management-events`;
export const ORG_TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${MANAGEMENT_ACCOUNT_ID}:trail/org-trail`;
/** Who publishes the repository (`aws s3 sync` in Fleet's release job). */
export const DEPLOY_ROLE_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/tuf-release/github-actions`;
/** A principal nobody expects. */
export const UNKNOWN_PRINCIPAL_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/ci-runner/i-0b22a22eec53b9321`;

/** A fixed reference time, far from today. */
export const SCENARIO_NOW = new Date('2031-03-10T12:00:00Z');

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const OWNER_GRANT: EmulatedGrant = {
  Type: 'CanonicalUser',
  ID: OWNER_CANONICAL_ID,
  Permission: 'FULL_CONTROL',
};

function ago(now: Date, minutes: number): string {
  return new Date(now.getTime() - minutes * 60_000).toISOString();
}

/** The config that points tufwatch at a scenario served at `endpoint`. */
export function scenarioConfig(scenario: AwsScenario, endpoint: string): AwsConfig {
  return {
    region: scenario.region,
    accountId: scenario.accountId,
    bucket: BUCKET,
    expectedBucketOwner: scenario.accountId,
    endpoint,
  };
}

// ---------------------------------------------------------------------------
// Buckets

/** The bucket behind a CloudFront distribution with origin access control, hardened. */
export function hardenedBucket(): EmulatedBucket {
  return {
    ownerAccountId: ACCOUNT_ID,
    ownerCanonicalId: OWNER_CANONICAL_ID,
    publicAccessBlock: { ...BLOCK_ALL },
    policy: {
      Version: '2012-10-17',
      Id: 'PolicyForCloudFrontPrivateContent',
      Statement: [
        {
          Sid: 'AllowCloudFrontServicePrincipalReadOnly',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
          Condition: { StringEquals: { 'AWS:SourceArn': DISTRIBUTION_ARN } },
        },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
    policyIsPublic: false,
    grants: [{ ...OWNER_GRANT }],
    objectOwnership: 'BucketOwnerEnforced',
    encryption: [{ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY_ARN, BucketKeyEnabled: true }],
    versioning: { Status: 'Enabled', MfaDelete: 'Disabled' },
    logging: { TargetBucket: `${BUCKET}-logs`, TargetPrefix: 's3-access/' },
  };
}

/** A bucket as S3 creates it since April 2023: SSE-S3, ACLs disabled, public access blocked, nothing else. */
export function defaultBucket(): EmulatedBucket {
  return {
    ownerAccountId: ACCOUNT_ID,
    ownerCanonicalId: OWNER_CANONICAL_ID,
    publicAccessBlock: { ...BLOCK_ALL },
    grants: [{ ...OWNER_GRANT }],
    objectOwnership: 'BucketOwnerEnforced',
    encryption: [{ SSEAlgorithm: 'AES256', BucketKeyEnabled: false }],
  };
}

/** Public write through the ACL, another account may PutObject, no versioning, no logging, no TLS-only policy. */
export function misconfiguredBucket(): EmulatedBucket {
  return {
    ownerAccountId: ACCOUNT_ID,
    ownerCanonicalId: OWNER_CANONICAL_ID,
    publicAccessBlock: {
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    },
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'VendorUpload',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT_ID}:root` },
          Action: ['s3:PutObject', 's3:PutObjectAcl'],
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        },
      ],
    },
    policyIsPublic: false,
    grants: [
      { ...OWNER_GRANT },
      { Type: 'Group', URI: ALL_USERS, Permission: 'READ' },
      { Type: 'Group', URI: ALL_USERS, Permission: 'WRITE' },
      { Type: 'Group', URI: AUTHENTICATED_USERS, Permission: 'WRITE_ACP' },
    ],
    objectOwnership: 'ObjectWriter',
    encryption: [{ SSEAlgorithm: 'AES256', BucketKeyEnabled: false }],
  };
}

// ---------------------------------------------------------------------------
// Trails and events

/** A multi-region trail with log file validation, KMS, and write data events on the bucket (advanced selectors). */
export function hardenedTrail(now: Date): EmulatedTrail {
  return {
    trail: {
      Name: 'management-events',
      S3BucketName: `aws-cloudtrail-logs-${ACCOUNT_ID}`,
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: true,
      HomeRegion: REGION,
      TrailARN: TRAIL_ARN,
      LogFileValidationEnabled: true,
      KmsKeyId: KMS_KEY_ARN,
      HasCustomEventSelectors: true,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
    },
    status: {
      IsLogging: true,
      LatestDeliveryTime: ago(now, 4),
      LatestDigestDeliveryTime: ago(now, 30),
      StartLoggingTime: ago(now, 400 * 24 * 60),
    },
    advancedEventSelectors: [
      {
        Name: 'Management events',
        FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
      },
      {
        Name: 'Write data events on the TUF repository',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'readOnly', Equals: ['false'] },
          { Field: 'resources.ARN', StartsWith: [`arn:aws:s3:::${BUCKET}/`] },
        ],
      },
    ],
  };
}

/** A CloudTrail event for a change to the bucket or a trail, as LookupEvents returns it. */
export function changeEvent(
  eventName: string,
  at: string,
  principalArn: string,
  options: {
    resource?: { type: string; name: string };
    sourceIp?: string;
    errorCode?: string;
  } = {},
): EmulatedEvent {
  const resource = options.resource ?? { type: 'AWS::S3::Bucket', name: BUCKET };
  const isTrail = resource.type === 'AWS::CloudTrail::Trail';
  const eventSource = isTrail ? 'cloudtrail.amazonaws.com' : 's3.amazonaws.com';
  const eventId = `${eventName}-${at}`.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const username = principalArn.split('/').at(-1) ?? principalArn;
  return {
    EventId: eventId,
    EventName: eventName,
    EventTime: at,
    EventSource: eventSource,
    Username: username,
    ReadOnly: 'false',
    AccessKeyId: 'ASIAEXAMPLEKEY000001',
    Resources: [{ ResourceType: resource.type, ResourceName: resource.name }],
    CloudTrailEvent: {
      eventVersion: '1.09',
      userIdentity: {
        type: principalArn.includes(':assumed-role/') ? 'AssumedRole' : 'IAMUser',
        principalId: 'AROAEXAMPLEID:session',
        arn: principalArn,
        accountId: principalArn.split(':')[4],
        accessKeyId: 'ASIAEXAMPLEKEY000001',
      },
      eventTime: at,
      eventSource,
      eventName,
      awsRegion: REGION,
      sourceIPAddress: options.sourceIp ?? '192.0.2.10',
      userAgent: '[aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22]',
      ...(options.errorCode === undefined
        ? {}
        : { errorCode: options.errorCode, errorMessage: 'Access Denied' }),
      requestParameters: isTrail ? { name: resource.name } : { bucketName: resource.name },
      responseElements: null,
      eventID: eventId,
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT_ID,
      eventCategory: 'Management',
    },
  };
}

// ---------------------------------------------------------------------------
// Scenarios

/** The repository bucket behind CloudFront OAC, fully hardened, watched by a hardened trail. */
export function hardenedScenario(now: Date = SCENARIO_NOW): AwsScenario {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    buckets: { [BUCKET]: hardenedBucket() },
    accountPublicAccessBlock: { ...BLOCK_ALL },
    trails: [hardenedTrail(now)],
    events: [
      changeEvent('PutBucketPolicy', ago(now, 2 * 24 * 60), DEPLOY_ROLE_ARN),
      // A read of the policy is not a change: LookupEvents filtered by name never returns it.
      {
        ...changeEvent('GetBucketPolicy', ago(now, 60), DEPLOY_ROLE_ARN),
        ReadOnly: 'true',
      },
    ],
  };
}

/** A bucket left as S3 creates it since 2023, in a fresh account: no trail, no account block. */
export function defaultsScenario(): AwsScenario {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    buckets: { [BUCKET]: defaultBucket() },
    trails: [],
    events: [],
  };
}

/** Public write ACL, cross-account PutObject, nothing hardened; a weak single-region trail. */
export function misconfiguredScenario(now: Date = SCENARIO_NOW): AwsScenario {
  return {
    accountId: ACCOUNT_ID,
    region: REGION,
    buckets: { [BUCKET]: misconfiguredBucket() },
    trails: [
      {
        trail: {
          Name: 'default',
          S3BucketName: `cloudtrail-${ACCOUNT_ID}`,
          S3KeyPrefix: 'ct',
          IncludeGlobalServiceEvents: false,
          IsMultiRegionTrail: false,
          HomeRegion: REGION,
          TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/default`,
          LogFileValidationEnabled: false,
          HasCustomEventSelectors: false,
          HasInsightSelectors: false,
          IsOrganizationTrail: false,
        },
        status: {
          IsLogging: true,
          LatestDeliveryTime: ago(now, 3 * 24 * 60),
          LatestDeliveryError: 'AccessDenied',
          StartLoggingTime: ago(now, 30 * 24 * 60),
        },
        eventSelectors: [
          {
            ReadWriteType: 'WriteOnly',
            IncludeManagementEvents: true,
            DataResources: [],
            ExcludeManagementEventSources: [],
          },
        ],
      },
    ],
    events: [
      changeEvent('PutBucketAcl', ago(now, 26 * 60), `arn:aws:iam::${ACCOUNT_ID}:user/contractor`, {
        sourceIp: '198.51.100.7',
      }),
    ],
  };
}

/**
 * A member account of an organization: the organization's trail (owned by the
 * management account) appears as a shadow trail, and this account's own
 * multi-region trail is seen from outside its home region. Either can only be
 * read by ARN here.
 */
export function organizationTrailScenario(now: Date = SCENARIO_NOW): AwsScenario {
  const own = hardenedTrail(now);
  own.trail = {
    ...own.trail,
    Name: 'member-trail',
    HomeRegion: 'us-west-2',
    TrailARN: `arn:aws:cloudtrail:us-west-2:${ACCOUNT_ID}:trail/member-trail`,
  };
  return {
    ...hardenedScenario(now),
    trails: [
      {
        trail: {
          Name: 'org-trail',
          S3BucketName: 'org-cloudtrail-logs',
          S3KeyPrefix: 'o-a1b2c3d4e5',
          IncludeGlobalServiceEvents: true,
          IsMultiRegionTrail: true,
          HomeRegion: REGION,
          TrailARN: ORG_TRAIL_ARN,
          LogFileValidationEnabled: true,
          KmsKeyId: `arn:aws:kms:${REGION}:${MANAGEMENT_ACCOUNT_ID}:key/0f0e0d0c-0b0a-0908-0706-050403020100`,
          HasCustomEventSelectors: true,
          HasInsightSelectors: false,
          IsOrganizationTrail: true,
        },
        status: {
          IsLogging: true,
          LatestDeliveryTime: ago(now, 2),
          StartLoggingTime: ago(now, 900 * 24 * 60),
        },
        eventSelectors: [
          {
            ReadWriteType: 'All',
            IncludeManagementEvents: true,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
            ExcludeManagementEventSources: ['kms.amazonaws.com'],
          },
        ],
      },
      own,
    ],
  };
}

/** The hardened setup, except the trail was stopped yesterday by a principal nobody expects. */
export function stoppedTrailScenario(now: Date = SCENARIO_NOW): AwsScenario {
  const scenario = hardenedScenario(now);
  const trail = hardenedTrail(now);
  trail.status = {
    IsLogging: false,
    LatestDeliveryTime: ago(now, 24 * 60 + 3),
    StartLoggingTime: ago(now, 400 * 24 * 60),
    StopLoggingTime: ago(now, 24 * 60),
  };
  scenario.trails = [trail];
  scenario.events.push(
    changeEvent('StopLogging', ago(now, 24 * 60), UNKNOWN_PRINCIPAL_ARN, {
      resource: { type: 'AWS::CloudTrail::Trail', name: TRAIL_ARN },
      sourceIp: '203.0.113.50',
    }),
  );
  return scenario;
}

/** The hardened setup read by a role that lacks some permissions. */
export function accessDeniedScenario(now: Date = SCENARIO_NOW): AwsScenario {
  return {
    ...hardenedScenario(now),
    faults: {
      accessDenied: [
        'GetBucketEncryption',
        'GetBucketPolicyStatus',
        'GetAccountPublicAccessBlock',
        'GetEventSelectors',
        'LookupEvents',
      ],
    },
  };
}

/** The hardened setup, where the first `times` requests of every call are throttled. */
export function throttledScenario(times = 2, now: Date = SCENARIO_NOW): AwsScenario {
  return { ...hardenedScenario(now), faults: { throttle: { times } } };
}

/** `count` PutBucketPolicy events, one an hour back from `now`: LookupEvents must paginate. */
export function manyPolicyChanges(count: number, now: Date = SCENARIO_NOW): EmulatedEvent[] {
  return Array.from({ length: count }, (_, i) =>
    changeEvent('PutBucketPolicy', ago(now, (i + 1) * 60), DEPLOY_ROLE_ARN),
  );
}
