/**
 * An in-process AWS emulator that speaks the real wire protocols to the real
 * SDK v3 clients: S3 REST-XML (path style), S3 Control REST-XML and CloudTrail
 * awsJson1_1, with AWS's error shapes and status codes. Used by the tests and
 * by `tufwatch demo`; it depends on node: modules only.
 *
 * What it serves is a scenario (`AwsScenario`, see scenarios.ts): the state of
 * one account in one region, written the way the APIs spell it, plus faults
 * (AccessDenied, throttling, hangs) to inject.
 *
 * Wire formats, from the AWS API reference:
 * - S3: `GET /<bucket>?<subresource>`; answers are XML in the
 *   `http://s3.amazonaws.com/doc/2006-03-01/` namespace; errors are a bare
 *   `<Error><Code/><Message/><RequestId/><HostId/></Error>`. The bucket policy
 *   is the raw JSON text. `x-amz-expected-bucket-owner` that is not the
 *   bucket's owner is 403 AccessDenied.
 * - S3 Control: `GET /v20180820/configuration/publicAccessBlock` with the
 *   `x-amz-account-id` header (the SDK also prefixes the account id to the
 *   host: any Host is accepted); errors are wrapped in `<ErrorResponse>`.
 * - CloudTrail: `POST /` with `X-Amz-Target:
 *   com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>` (the
 *   SDK sends the short `CloudTrail_20131101.<Operation>`), bodies in
 *   `application/x-amz-json-1.1`, timestamps as epoch seconds, errors as 400
 *   `{"__type": "...", "message": "..."}`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCall } from '../../../checks/aws/types.js';

// ---------------------------------------------------------------------------
// Scenario model: the API's own field names, so that a scenario reads like
// what AWS returns (and can leave out any field AWS may leave out).

export interface EmulatedPublicAccessBlock {
  BlockPublicAcls?: boolean;
  IgnorePublicAcls?: boolean;
  BlockPublicPolicy?: boolean;
  RestrictPublicBuckets?: boolean;
}

export interface EmulatedGrant {
  /** `xsi:type`; omitted from the XML when undefined. */
  Type?: 'CanonicalUser' | 'Group' | 'AmazonCustomerByEmail';
  ID?: string;
  URI?: string;
  EmailAddress?: string;
  DisplayName?: string;
  Permission?: 'FULL_CONTROL' | 'WRITE' | 'WRITE_ACP' | 'READ' | 'READ_ACP';
}

export interface EmulatedBucket {
  /** The owning account: `x-amz-expected-bucket-owner` must match it. */
  ownerAccountId: string;
  /** Canonical user id of the owner (the ACL's Owner/ID); omitted when undefined. */
  ownerCanonicalId?: string;
  /** As GetBucketLocation answers: undefined (empty) for us-east-1, `EU` for old eu-west-1 buckets. */
  locationConstraint?: string;
  /** Absent: NoSuchPublicAccessBlockConfiguration. */
  publicAccessBlock?: EmulatedPublicAccessBlock;
  /** Absent: NoSuchBucketPolicy. An object is served as JSON; a string as is (may be broken). */
  policy?: string | object;
  /** GetBucketPolicyStatus IsPublic, when there is a policy (default false). */
  policyIsPublic?: boolean;
  grants: EmulatedGrant[];
  /** Absent: OwnershipControlsNotFoundError. `null`: an OwnershipControls without a rule. */
  objectOwnership?: string | null;
  /** Absent: ServerSideEncryptionConfigurationNotFoundError. */
  encryption?: {
    SSEAlgorithm?: string;
    KMSMasterKeyID?: string;
    BucketKeyEnabled?: boolean;
  }[];
  /** Absent: versioning never enabled (an empty VersioningConfiguration). */
  versioning?: { Status?: string; MfaDelete?: string };
  /** Absent: ObjectLockConfigurationNotFoundError. */
  objectLock?: {
    ObjectLockEnabled?: string;
    DefaultRetention?: { Mode?: string; Days?: number; Years?: number };
  };
  /** Absent: logging off (an empty BucketLoggingStatus). */
  logging?: { TargetBucket?: string; TargetPrefix?: string };
  /** Absent: ReplicationConfigurationNotFoundError. */
  replication?: {
    Role?: string;
    Rules: {
      ID?: string;
      Priority?: number;
      Status?: string;
      Destination?: { Bucket?: string; Account?: string };
    }[];
  };
}

/** DescribeTrails' trail object, as AWS sends it. */
export interface EmulatedTrailInfo {
  Name?: string;
  S3BucketName?: string;
  S3KeyPrefix?: string;
  IncludeGlobalServiceEvents?: boolean;
  IsMultiRegionTrail?: boolean;
  HomeRegion?: string;
  TrailARN?: string;
  LogFileValidationEnabled?: boolean;
  CloudWatchLogsLogGroupArn?: string;
  KmsKeyId?: string;
  HasCustomEventSelectors?: boolean;
  HasInsightSelectors?: boolean;
  IsOrganizationTrail?: boolean;
}

/** GetTrailStatus' answer; times are ISO strings here, epoch seconds on the wire. */
export interface EmulatedTrailStatus {
  IsLogging?: boolean;
  LatestDeliveryError?: string;
  LatestDeliveryTime?: string;
  LatestDigestDeliveryTime?: string;
  LatestDigestDeliveryError?: string;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
}

export interface EmulatedTrail {
  trail: EmulatedTrailInfo;
  status: EmulatedTrailStatus;
  /** GetEventSelectors: basic selectors, or advanced ones (never both), or neither. */
  eventSelectors?: {
    ReadWriteType?: string;
    IncludeManagementEvents?: boolean;
    DataResources?: { Type?: string; Values?: string[] }[];
    ExcludeManagementEventSources?: string[];
  }[];
  advancedEventSelectors?: {
    Name?: string;
    FieldSelectors: {
      Field?: string;
      Equals?: string[];
      StartsWith?: string[];
      EndsWith?: string[];
      NotEquals?: string[];
      NotStartsWith?: string[];
      NotEndsWith?: string[];
    }[];
  }[];
}

/** A management event in the region's event history (LookupEvents). */
export interface EmulatedEvent {
  EventId?: string;
  EventName: string;
  /** ISO 8601; epoch seconds on the wire. */
  EventTime: string;
  EventSource?: string;
  Username?: string;
  ReadOnly?: string;
  AccessKeyId?: string;
  Resources?: { ResourceType?: string; ResourceName?: string }[];
  /** The CloudTrail record; an object is sent as its JSON text, a string as is. */
  CloudTrailEvent?: object | string;
}

export interface EmulatorFaults {
  /** These calls answer AccessDenied (S3: 403 XML; CloudTrail: AccessDeniedException). */
  accessDenied?: AwsCall[];
  /** The first `times` requests of each listed call (every call when `calls` is absent) are throttled. */
  throttle?: { calls?: AwsCall[]; times: number };
  /** These calls never answer (the client's request timeout fires). */
  hang?: AwsCall[];
  /** These calls answer 501 NotImplemented, as S3-compatible stores do for APIs they lack. */
  notImplemented?: AwsCall[];
  /** LookupEvents calls closer together than this answer ThrottlingException (AWS: 2 per second). */
  lookupEventsMinIntervalMs?: number;
}

export interface AwsScenario {
  /** The caller's account (S3 Control's `x-amz-account-id` must match it). */
  accountId: string;
  region: string;
  buckets: Record<string, EmulatedBucket>;
  /** Absent: NoSuchPublicAccessBlockConfiguration. */
  accountPublicAccessBlock?: EmulatedPublicAccessBlock;
  /** As DescribeTrails with includeShadowTrails returns them, in this region. */
  trails: EmulatedTrail[];
  events: EmulatedEvent[];
  faults?: EmulatorFaults;
}

// ---------------------------------------------------------------------------
// The server

export interface EmulatedRequest {
  service: 's3' | 's3control' | 'cloudtrail';
  /** The call as tufwatch names it (`AwsCall`), or `Unknown:<what>`. */
  operation: string;
  /** S3: the bucket of the path. */
  bucket?: string;
  /** S3: `x-amz-expected-bucket-owner`; S3 Control: `x-amz-account-id`. */
  expectedBucketOwner?: string;
  accountIdHeader?: string;
  /** CloudTrail: the JSON request body. */
  body?: unknown;
  /** HTTP status answered (0 while hanging). */
  status: number;
  /** The AWS error code answered, if any. */
  errorCode?: string;
  /** performance.now() at arrival. */
  at: number;
}

export interface AwsEmulator {
  /** `http://127.0.0.1:<port>`: S3, S3 Control and CloudTrail all answer here. */
  endpoint: string;
  /** Operation names, in arrival order (retries included). */
  calls: string[];
  requests: EmulatedRequest[];
  close(): Promise<void>;
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const S3CONTROL_NS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** S3 subresource (query key) -> operation. */
const S3_OPERATIONS: Readonly<Record<string, AwsCall>> = {
  location: 'GetBucketLocation',
  publicAccessBlock: 'GetPublicAccessBlock',
  policy: 'GetBucketPolicy',
  policyStatus: 'GetBucketPolicyStatus',
  acl: 'GetBucketAcl',
  ownershipControls: 'GetBucketOwnershipControls',
  encryption: 'GetBucketEncryption',
  versioning: 'GetBucketVersioning',
  'object-lock': 'GetObjectLockConfiguration',
  logging: 'GetBucketLogging',
  replication: 'GetBucketReplication',
};

const CLOUDTRAIL_OPERATIONS: ReadonlySet<string> = new Set<AwsCall>([
  'DescribeTrails',
  'GetTrailStatus',
  'GetEventSelectors',
  'LookupEvents',
]);

/** An AWS error to answer. */
class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startAwsEmulator(scenario: AwsScenario): Promise<AwsEmulator> {
  const calls: string[] = [];
  const requests: EmulatedRequest[] = [];
  const attempts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  let lastLookup = Number.NEGATIVE_INFINITY;
  const faults = scenario.faults ?? {};

  /** Injected faults, in AWS's order: throttling before authorization. */
  function fault(operation: AwsCall): AwsError | 'hang' | undefined {
    const n = (attempts.get(operation) ?? 0) + 1;
    attempts.set(operation, n);
    const t = faults.throttle;
    if (t !== undefined && n <= t.times && (t.calls === undefined || t.calls.includes(operation)))
      return throttled(operation);
    if (operation === 'LookupEvents' && faults.lookupEventsMinIntervalMs !== undefined) {
      const now = performance.now();
      const tooSoon = now - lastLookup < faults.lookupEventsMinIntervalMs;
      lastLookup = now;
      if (tooSoon) return new AwsError(400, 'ThrottlingException', 'Rate exceeded');
    }
    if (faults.hang?.includes(operation) === true) return 'hang';
    if (faults.notImplemented?.includes(operation) === true)
      return new AwsError(
        501,
        'NotImplemented',
        'A header you provided implies functionality that is not implemented',
      );
    if (faults.accessDenied?.includes(operation) === true) {
      return CLOUDTRAIL_OPERATIONS.has(operation)
        ? new AwsError(
            400,
            'AccessDeniedException',
            `User: arn:aws:sts::${scenario.accountId}:assumed-role/tufwatch/session is not authorized to perform: cloudtrail:${operation}`,
          )
        : new AwsError(403, 'AccessDenied', 'Access Denied');
    }
    return undefined;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: EmulatedRequest = {
        service: 's3',
        operation: 'Unknown',
        status: 0,
        at: performance.now(),
      };
      requests.push(record);
      try {
        const out = route(req, Buffer.concat(chunks).toString('utf8'), record);
        calls.push(record.operation);
        if (out === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        send(res, record, out.status, out.contentType, out.body);
      } catch (err) {
        calls.push(record.operation);
        const e =
          err instanceof AwsError
            ? err
            : new AwsError(500, 'InternalError', 'We encountered an internal error.');
        record.errorCode = e.code;
        send(res, record, e.status, ...errorBody(record.service, e, record.bucket));
      }
    });
  });

  type Answer = { status: number; contentType: string; body: string } | 'hang';

  function route(req: IncomingMessage, body: string, record: EmulatedRequest): Answer {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const target = header(req, 'x-amz-target');
    if (req.method === 'POST' && target !== undefined) {
      record.service = 'cloudtrail';
      return cloudTrail(req, target, body, record);
    }
    if (url.pathname.startsWith('/v20180820/')) {
      record.service = 's3control';
      return s3Control(req, url, record);
    }
    return s3(req, url, record);
  }

  function signed(req: IncomingMessage): boolean {
    return header(req, 'authorization')?.startsWith('AWS4-HMAC-SHA256 Credential=') === true;
  }

  // -- S3 ---------------------------------------------------------------------

  function s3(req: IncomingMessage, url: URL, record: EmulatedRequest): Answer {
    const bucketName = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    const subresource = [...url.searchParams.keys()].find((k) => k in S3_OPERATIONS);
    record.bucket = bucketName;
    record.operation =
      subresource === undefined
        ? `Unknown:${req.method} ${url.pathname}${url.search}`
        : (S3_OPERATIONS[subresource] as AwsCall);
    const owner = header(req, 'x-amz-expected-bucket-owner');
    if (owner !== undefined) record.expectedBucketOwner = owner;
    if (req.method !== 'GET' || subresource === undefined || bucketName === '')
      throw new AwsError(
        501,
        'NotImplemented',
        'The emulator implements only the calls tufwatch makes',
      );
    const operation = record.operation as AwsCall;
    const injected = fault(operation);
    if (injected === 'hang') return 'hang';
    if (injected !== undefined) throw injected;
    if (!signed(req)) throw new AwsError(403, 'AccessDenied', 'Anonymous users cannot access this');
    const bucket = Object.hasOwn(scenario.buckets, bucketName)
      ? scenario.buckets[bucketName]
      : undefined;
    if (bucket === undefined)
      throw new AwsError(404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (owner !== undefined && owner !== bucket.ownerAccountId)
      throw new AwsError(403, 'AccessDenied', 'Access Denied');
    return xml(s3Answer(operation, bucket));
  }

  function s3Answer(operation: AwsCall, b: EmulatedBucket): string | { json: string } {
    switch (operation) {
      case 'GetBucketLocation':
        return el('LocationConstraint', b.locationConstraint ?? '', S3_NS);
      case 'GetPublicAccessBlock':
        if (b.publicAccessBlock === undefined)
          throw new AwsError(
            404,
            'NoSuchPublicAccessBlockConfiguration',
            'The public access block configuration was not found',
          );
        return pabXml(b.publicAccessBlock, S3_NS);
      case 'GetBucketPolicy':
        if (b.policy === undefined)
          throw new AwsError(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
        return { json: typeof b.policy === 'string' ? b.policy : JSON.stringify(b.policy) };
      case 'GetBucketPolicyStatus':
        if (b.policy === undefined)
          throw new AwsError(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist');
        return el('PolicyStatus', el('IsPublic', String(b.policyIsPublic === true)), S3_NS);
      case 'GetBucketAcl':
        return el(
          'AccessControlPolicy',
          el('Owner', opt('ID', b.ownerCanonicalId)) +
            el('AccessControlList', b.grants.map(grantXml).join('')),
          S3_NS,
        );
      case 'GetBucketOwnershipControls':
        if (b.objectOwnership === undefined)
          throw new AwsError(
            404,
            'OwnershipControlsNotFoundError',
            'The bucket ownership controls were not found',
          );
        return el(
          'OwnershipControls',
          b.objectOwnership === null ? '' : el('Rule', el('ObjectOwnership', b.objectOwnership)),
          S3_NS,
        );
      case 'GetBucketEncryption':
        if (b.encryption === undefined)
          throw new AwsError(
            404,
            'ServerSideEncryptionConfigurationNotFoundError',
            'The server side encryption configuration was not found',
          );
        return el(
          'ServerSideEncryptionConfiguration',
          b.encryption
            .map((r) =>
              el(
                'Rule',
                (r.SSEAlgorithm === undefined
                  ? ''
                  : el(
                      'ApplyServerSideEncryptionByDefault',
                      el('SSEAlgorithm', r.SSEAlgorithm) + opt('KMSMasterKeyID', r.KMSMasterKeyID),
                    )) + opt('BucketKeyEnabled', r.BucketKeyEnabled),
              ),
            )
            .join(''),
          S3_NS,
        );
      case 'GetBucketVersioning':
        return el(
          'VersioningConfiguration',
          opt('Status', b.versioning?.Status) + opt('MfaDelete', b.versioning?.MfaDelete),
          S3_NS,
        );
      case 'GetObjectLockConfiguration': {
        const o = b.objectLock;
        if (o === undefined)
          throw new AwsError(
            404,
            'ObjectLockConfigurationNotFoundError',
            'Object Lock configuration does not exist for this bucket',
          );
        const r = o.DefaultRetention;
        return el(
          'ObjectLockConfiguration',
          opt('ObjectLockEnabled', o.ObjectLockEnabled) +
            (r === undefined
              ? ''
              : el(
                  'Rule',
                  el(
                    'DefaultRetention',
                    opt('Mode', r.Mode) + opt('Days', r.Days) + opt('Years', r.Years),
                  ),
                )),
          S3_NS,
        );
      }
      case 'GetBucketLogging':
        return el(
          'BucketLoggingStatus',
          b.logging === undefined
            ? ''
            : el(
                'LoggingEnabled',
                opt('TargetBucket', b.logging.TargetBucket) +
                  opt('TargetPrefix', b.logging.TargetPrefix),
              ),
          S3_NS,
        );
      case 'GetBucketReplication': {
        const r = b.replication;
        if (r === undefined)
          throw new AwsError(
            404,
            'ReplicationConfigurationNotFoundError',
            'The replication configuration was not found',
          );
        return el(
          'ReplicationConfiguration',
          opt('Role', r.Role) +
            r.Rules.map((rule) =>
              el(
                'Rule',
                opt('ID', rule.ID) +
                  opt('Priority', rule.Priority) +
                  opt('Status', rule.Status) +
                  (rule.Destination === undefined
                    ? ''
                    : el(
                        'Destination',
                        opt('Bucket', rule.Destination.Bucket) +
                          opt('Account', rule.Destination.Account),
                      )),
              ),
            ).join(''),
          S3_NS,
        );
      }
      /* The remaining calls are not S3 bucket calls. */
      default:
        throw new AwsError(501, 'NotImplemented', `${operation} is not an S3 bucket call`);
    }
  }

  // -- S3 Control ---------------------------------------------------------------

  function s3Control(req: IncomingMessage, url: URL, record: EmulatedRequest): Answer {
    const accountId = header(req, 'x-amz-account-id');
    if (accountId !== undefined) record.accountIdHeader = accountId;
    if (req.method !== 'GET' || url.pathname !== '/v20180820/configuration/publicAccessBlock') {
      record.operation = `Unknown:${req.method} ${url.pathname}`;
      throw new AwsError(
        501,
        'NotImplemented',
        'The emulator implements only the calls tufwatch makes',
      );
    }
    record.operation = 'GetAccountPublicAccessBlock';
    const injected = fault('GetAccountPublicAccessBlock');
    if (injected === 'hang') return 'hang';
    if (injected !== undefined) throw injected;
    if (!signed(req)) throw new AwsError(403, 'AccessDenied', 'Anonymous users cannot access this');
    if (accountId === undefined)
      throw new AwsError(400, 'InvalidRequest', 'Missing required header x-amz-account-id');
    if (accountId !== scenario.accountId) throw new AwsError(403, 'AccessDenied', 'Access Denied');
    if (scenario.accountPublicAccessBlock === undefined)
      throw new AwsError(
        404,
        'NoSuchPublicAccessBlockConfiguration',
        'The public access block configuration was not found',
      );
    return xml(pabXml(scenario.accountPublicAccessBlock, S3CONTROL_NS));
  }

  // -- CloudTrail ---------------------------------------------------------------

  function cloudTrail(
    req: IncomingMessage,
    target: string,
    rawBody: string,
    record: EmulatedRequest,
  ): Answer {
    const name = target.slice(target.lastIndexOf('.') + 1);
    const prefix = target.slice(0, target.lastIndexOf('.'));
    const known =
      (prefix === 'CloudTrail_20131101' ||
        prefix === 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101') &&
      CLOUDTRAIL_OPERATIONS.has(name);
    record.operation = known ? name : `Unknown:${target}`;
    if (!known) throw new AwsError(400, 'UnknownOperationException', `Unknown operation ${target}`);
    if (!(header(req, 'content-type') ?? '').startsWith('application/x-amz-json-1.1'))
      throw new AwsError(400, 'SerializationException', 'Expected application/x-amz-json-1.1');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody === '' ? '{}' : rawBody) as Record<string, unknown>;
    } catch {
      throw new AwsError(400, 'SerializationException', 'Malformed JSON body');
    }
    record.body = body;
    const operation = name as AwsCall;
    const injected = fault(operation);
    if (injected === 'hang') return 'hang';
    if (injected !== undefined) throw injected;
    if (!signed(req))
      throw new AwsError(
        400,
        'MissingAuthenticationTokenException',
        'Missing Authentication Token',
      );
    return json(cloudTrailAnswer(operation, body));
  }

  /** A trail by name only when it is this account's and this region's; by ARN always (as AWS). */
  function findTrail(nameOrArn: unknown): EmulatedTrail {
    const t = scenario.trails.find(
      ({ trail }) =>
        trail.TrailARN === nameOrArn ||
        (trail.Name === nameOrArn &&
          (trail.HomeRegion ?? scenario.region) === scenario.region &&
          (trail.TrailARN ?? '').split(':')[4] === scenario.accountId),
    );
    if (t === undefined)
      throw new AwsError(
        400,
        'TrailNotFoundException',
        `Unknown trail: ${String(nameOrArn)} for the user: ${scenario.accountId}`,
      );
    return t;
  }

  function cloudTrailAnswer(operation: AwsCall, body: Record<string, unknown>): unknown {
    switch (operation) {
      case 'DescribeTrails': {
        const shadows = body.includeShadowTrails !== false;
        return {
          trailList: scenario.trails
            .map(({ trail }) => trail)
            .filter(
              (t) =>
                shadows ||
                ((t.HomeRegion ?? scenario.region) === scenario.region &&
                  (t.TrailARN ?? '').split(':')[4] === scenario.accountId),
            ),
        };
      }
      case 'GetTrailStatus':
        return epochs(findTrail(body.Name).status);
      case 'GetEventSelectors': {
        const t = findTrail(body.TrailName);
        return {
          TrailARN: t.trail.TrailARN,
          ...(t.eventSelectors === undefined ? {} : { EventSelectors: t.eventSelectors }),
          ...(t.advancedEventSelectors === undefined
            ? {}
            : { AdvancedEventSelectors: t.advancedEventSelectors }),
        };
      }
      case 'LookupEvents':
        return lookupEvents(body);
      /* Only the four CloudTrail operations reach here. */
      default:
        throw new AwsError(400, 'UnknownOperationException', operation);
    }
  }

  const LOOKUP_KEYS: Readonly<Record<string, (e: EmulatedEvent) => string[]>> = {
    EventName: (e) => [e.EventName],
    EventId: (e) => (e.EventId === undefined ? [] : [e.EventId]),
    EventSource: (e) => (e.EventSource === undefined ? [] : [e.EventSource]),
    Username: (e) => (e.Username === undefined ? [] : [e.Username]),
    ReadOnly: (e) => [e.ReadOnly ?? 'false'],
    AccessKeyId: (e) => (e.AccessKeyId === undefined ? [] : [e.AccessKeyId]),
    ResourceName: (e) => (e.Resources ?? []).map((r) => r.ResourceName ?? ''),
    ResourceType: (e) => (e.Resources ?? []).map((r) => r.ResourceType ?? ''),
  };

  function lookupEvents(body: Record<string, unknown>): unknown {
    const attributes = Array.isArray(body.LookupAttributes)
      ? (body.LookupAttributes as { AttributeKey?: string; AttributeValue?: string }[])
      : [];
    if (attributes.length > 1)
      throw new AwsError(
        400,
        'InvalidLookupAttributesException',
        'You cannot specify more than one lookup attribute',
      );
    const max = body.MaxResults === undefined ? 50 : Number(body.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 50)
      throw new AwsError(400, 'InvalidMaxResultsException', 'MaxResults must be from 1 to 50');
    const start = typeof body.StartTime === 'number' ? body.StartTime * 1000 : -Infinity;
    const end = typeof body.EndTime === 'number' ? body.EndTime * 1000 : Infinity;
    if (start > end)
      throw new AwsError(400, 'InvalidTimeRangeException', 'StartTime is after EndTime');
    const attribute = attributes[0];
    const select = attribute === undefined ? undefined : LOOKUP_KEYS[attribute.AttributeKey ?? ''];
    if (attribute !== undefined && select === undefined)
      throw new AwsError(400, 'InvalidLookupAttributesException', 'Unknown AttributeKey');
    const matching = scenario.events
      .filter((e) => {
        const t = Date.parse(e.EventTime);
        return (
          t >= start && t <= end && (select?.(e).includes(attribute?.AttributeValue ?? '') ?? true)
        );
      })
      .sort((a, b) => Date.parse(b.EventTime) - Date.parse(a.EventTime));
    let offset = 0;
    if (typeof body.NextToken === 'string') {
      const decoded = Number(Buffer.from(body.NextToken, 'base64url').toString('utf8').slice(4));
      if (!body.NextToken.startsWith('dG9r') || !Number.isInteger(decoded))
        throw new AwsError(400, 'InvalidNextTokenException', 'Invalid NextToken');
      offset = decoded;
    }
    const page = matching.slice(offset, offset + max);
    const next = offset + max < matching.length ? offset + max : undefined;
    return {
      Events: page.map((e) => ({
        ...e,
        EventTime: Date.parse(e.EventTime) / 1000,
        ...(e.CloudTrailEvent === undefined
          ? {}
          : {
              CloudTrailEvent:
                typeof e.CloudTrailEvent === 'string'
                  ? e.CloudTrailEvent
                  : JSON.stringify(e.CloudTrailEvent),
            }),
      })),
      ...(next === undefined
        ? {}
        : { NextToken: Buffer.from(`tok:${next}`, 'utf8').toString('base64url') }),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------
// Encoding

function throttled(operation: AwsCall): AwsError {
  return CLOUDTRAIL_OPERATIONS.has(operation)
    ? new AwsError(400, 'ThrottlingException', 'Rate exceeded')
    : new AwsError(503, 'SlowDown', 'Please reduce your request rate.');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An element; `content` is already XML. */
function el(name: string, content: string, ns?: string): string {
  const attrs = ns === undefined ? '' : ` xmlns="${ns}"`;
  return content === '' ? `<${name}${attrs}/>` : `<${name}${attrs}>${content}</${name}>`;
}

/** A text element, or nothing when the value is undefined. */
function opt(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

function pabXml(p: EmulatedPublicAccessBlock, ns: string): string {
  return el(
    'PublicAccessBlockConfiguration',
    opt('BlockPublicAcls', p.BlockPublicAcls) +
      opt('IgnorePublicAcls', p.IgnorePublicAcls) +
      opt('BlockPublicPolicy', p.BlockPublicPolicy) +
      opt('RestrictPublicBuckets', p.RestrictPublicBuckets),
    ns,
  );
}

function grantXml(g: EmulatedGrant): string {
  const type = g.Type === undefined ? '' : ` xsi:type="${g.Type}"`;
  const grantee =
    `<Grantee xmlns:xsi="${XSI_NS}"${type}>` +
    opt('ID', g.ID) +
    opt('DisplayName', g.DisplayName) +
    opt('URI', g.URI) +
    opt('EmailAddress', g.EmailAddress) +
    '</Grantee>';
  return el('Grant', grantee + opt('Permission', g.Permission));
}

/** GetTrailStatus' times go out as epoch seconds. */
function epochs(status: EmulatedTrailStatus): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(status).map(([k, v]) => [
      k,
      k.endsWith('Time') && typeof v === 'string' ? Date.parse(v) / 1000 : v,
    ]),
  );
}

type Body = { status: number; contentType: string; body: string };

function xml(answer: string | { json: string }): Body {
  if (typeof answer === 'string')
    return { status: 200, contentType: 'application/xml', body: XML_DECL + answer };
  return { status: 200, contentType: 'application/json', body: answer.json };
}

function json(value: unknown): Body {
  return { status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(value) };
}

function errorBody(
  service: EmulatedRequest['service'],
  e: AwsError,
  bucket: string | undefined,
): [string, string] {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  if (service === 'cloudtrail') {
    // The SDK strips a namespace prefix from `__type`; AWS sends both forms.
    return [
      'application/x-amz-json-1.1',
      JSON.stringify({
        __type: `com.amazonaws.cloudtrail.v20131101#${e.code}`,
        message: e.message,
      }),
    ];
  }
  const inner =
    opt('Code', e.code) +
    opt('Message', e.message) +
    (bucket === undefined || service !== 's3' ? '' : opt('BucketName', bucket));
  if (service === 's3control') {
    return [
      'application/xml',
      XML_DECL + el('ErrorResponse', el('Error', inner) + opt('RequestId', requestId)),
    ];
  }
  return [
    'application/xml',
    XML_DECL + el('Error', inner + opt('RequestId', requestId) + opt('HostId', 'emulator')),
  ];
}

function send(
  res: ServerResponse,
  record: EmulatedRequest,
  status: number,
  contentType: string,
  body: string,
): void {
  record.status = status;
  const requestId = randomUUID();
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amzn-requestid', requestId);
  res.setHeader('x-amz-id-2', 'emulator');
  res.end(body);
}
