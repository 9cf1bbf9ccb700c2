import t, { type Test } from 'tap';
import { createAwsClients, destroyAwsClients } from '../../../checks/aws/clients.js';
import { collectAws } from '../../../checks/aws/collect.js';
import { CALL_PERMISSIONS } from '../../../checks/aws/permissions.js';
import {
  type AwsCall,
  type AwsSnapshot,
  awsSnapshotOf,
  CONFIG_CHANGE_EVENT_NAMES,
  type Collected,
} from '../../../checks/aws/types.js';
import { startAwsEmulator } from '../../support/aws/emulator.js';
import { collectScenario, TEST_CREDENTIALS } from '../../support/aws/harness.js';
import {
  accessDeniedScenario,
  ACCOUNT_ID,
  BUCKET,
  defaultsScenario,
  DEPLOY_ROLE_ARN,
  DISTRIBUTION_ARN,
  hardenedScenario,
  KMS_KEY_ARN,
  MANAGEMENT_ACCOUNT_ID,
  misconfiguredScenario,
  ORG_TRAIL_ARN,
  organizationTrailScenario,
  OTHER_ACCOUNT_ID,
  OWNER_CANONICAL_ID,
  SCENARIO_NOW,
  scenarioConfig,
  stoppedTrailScenario,
  throttledScenario,
  TRAIL_ARN,
  UNKNOWN_PRINCIPAL_ARN,
} from '../../support/aws/scenarios.js';

/** The value of a collected item, failing the test when it is an error. */
function value<T>(t: Test, item: Collected<T> | undefined): T {
  if (item === undefined || !item.ok) {
    t.fail('expected a collected value', { item });
    throw new Error('not collected');
  }
  return item.value;
}

const S3_CALLS: AwsCall[] = [
  'GetBucketLocation',
  'GetPublicAccessBlock',
  'GetBucketPolicy',
  'GetBucketPolicyStatus',
  'GetBucketAcl',
  'GetBucketOwnershipControls',
  'GetBucketEncryption',
  'GetBucketVersioning',
  'GetObjectLockConfiguration',
  'GetBucketLogging',
  'GetBucketReplication',
];

function s3Of(snapshot: AwsSnapshot) {
  if (snapshot.s3 === undefined) throw new Error('no s3');
  return snapshot.s3;
}

t.test('hardened bucket behind CloudFront OAC, hardened trail', async (t) => {
  const { snapshot, emulator } = await collectScenario(t, hardenedScenario());
  t.match(snapshot, {
    collectedAt: SCENARIO_NOW.toISOString(),
    accountId: ACCOUNT_ID,
    region: 'us-east-1',
    bucket: BUCKET,
    expectedBucketOwner: ACCOUNT_ID,
  });
  const s3 = s3Of(snapshot);
  t.same(s3.region, { ok: true, value: 'us-east-1' });
  const all = {
    blockPublicAcls: true,
    ignorePublicAcls: true,
    blockPublicPolicy: true,
    restrictPublicBuckets: true,
  };
  t.same(s3.publicAccessBlock, { ok: true, value: all });
  const policy = value(t, s3.policy);
  t.ok(policy);
  t.equal(policy?.version, '2012-10-17');
  t.equal(policy?.id, 'PolicyForCloudFrontPrivateContent');
  t.same(policy?.statements, [
    {
      sid: 'AllowCloudFrontServicePrincipalReadOnly',
      effect: 'Allow',
      principal: { Service: ['cloudfront.amazonaws.com'] },
      action: ['s3:GetObject'],
      resource: [`arn:aws:s3:::${BUCKET}/*`],
      condition: { StringEquals: { 'AWS:SourceArn': [DISTRIBUTION_ARN] } },
    },
    {
      sid: 'DenyInsecureTransport',
      effect: 'Deny',
      principal: '*',
      action: ['s3:*'],
      resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      condition: { Bool: { 'aws:SecureTransport': ['false'] } },
    },
  ]);
  t.same(JSON.parse(policy?.text ?? ''), hardenedScenario().buckets[BUCKET]?.policy);
  t.same(s3.policyStatus, { ok: true, value: { isPublic: false } });
  t.same(s3.acl, {
    ok: true,
    value: {
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
    },
  });
  t.same(s3.ownershipControls, { ok: true, value: { objectOwnership: 'BucketOwnerEnforced' } });
  t.same(s3.encryption, {
    ok: true,
    value: {
      rules: [{ sseAlgorithm: 'aws:kms', kmsMasterKeyId: KMS_KEY_ARN, bucketKeyEnabled: true }],
    },
  });
  t.same(s3.versioning, { ok: true, value: { status: 'Enabled', mfaDelete: 'Disabled' } });
  t.same(s3.objectLock, { ok: true, value: null }, 'ObjectLockConfigurationNotFoundError is data');
  t.same(s3.logging, {
    ok: true,
    value: { targetBucket: `${BUCKET}-logs`, targetPrefix: 's3-access/' },
  });
  t.same(
    s3.replication,
    { ok: true, value: null },
    'ReplicationConfigurationNotFoundError is data',
  );
  t.same(snapshot.accountS3, {
    accountId: ACCOUNT_ID,
    publicAccessBlock: { ok: true, value: all },
  });

  const ct = snapshot.cloudtrail;
  t.equal(ct?.region, 'us-east-1');
  t.equal(ct?.configuredTrails, null);
  const trails = value(t, ct?.trails);
  t.equal(trails.length, 1);
  t.match(trails[0], {
    name: 'management-events',
    arn: TRAIL_ARN,
    ownerAccountId: ACCOUNT_ID,
    homeRegion: 'us-east-1',
    isShadow: false,
    isMultiRegion: true,
    isOrganizationTrail: false,
    logFileValidationEnabled: true,
    kmsKeyId: KMS_KEY_ARN,
    s3BucketName: `aws-cloudtrail-logs-${ACCOUNT_ID}`,
    s3KeyPrefix: null,
    includeGlobalServiceEvents: true,
    cloudWatchLogsLogGroupArn: null,
  });
  t.same(trails[0]?.status, {
    ok: true,
    value: {
      isLogging: true,
      latestDeliveryTime: '2031-03-10T11:56:00.000Z',
      latestDeliveryError: null,
      latestDigestDeliveryTime: '2031-03-10T11:30:00.000Z',
      latestDigestDeliveryError: null,
      startLoggingTime: '2030-02-03T12:00:00.000Z',
      stopLoggingTime: null,
    },
  });
  t.same(trails[0]?.eventSelectors, {
    ok: true,
    value: {
      kind: 'advanced',
      selectors: [
        {
          name: 'Management events',
          fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }],
        },
        {
          name: 'Write data events on the TUF repository',
          fieldSelectors: [
            { field: 'eventCategory', equals: ['Data'] },
            { field: 'resources.type', equals: ['AWS::S3::Object'] },
            { field: 'readOnly', equals: ['false'] },
            { field: 'resources.ARN', startsWith: [`arn:aws:s3:::${BUCKET}/`] },
          ],
        },
      ],
    },
  });
  const events = value(t, ct?.events);
  t.match(events, {
    from: '2031-03-03T12:00:00.000Z',
    to: '2031-03-10T12:00:00.000Z',
    lookbackDays: 7,
    eventNames: [...CONFIG_CHANGE_EVENT_NAMES],
    truncated: false,
  });
  t.same(
    events.events,
    [
      {
        eventId: 'putbucketpolicy20310308t120000000z',
        eventName: 'PutBucketPolicy',
        eventTime: '2031-03-08T12:00:00.000Z',
        eventSource: 's3.amazonaws.com',
        username: 'github-actions',
        principalArn: DEPLOY_ROLE_ARN,
        principalType: 'AssumedRole',
        principalAccountId: ACCOUNT_ID,
        invokedBy: null,
        sourceIPAddress: '192.0.2.10',
        userAgent: '[aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22]',
        errorCode: null,
        resources: [{ type: 'AWS::S3::Bucket', name: BUCKET }],
        requestParameters: { bucketName: BUCKET },
      },
    ],
    'only change events: the GetBucketPolicy read is not asked for',
  );

  // On the wire: ExpectedBucketOwner on every bucket call, the account id header on S3 Control.
  const s3Requests = emulator.requests.filter((r) => r.service === 's3');
  t.same(s3Requests.map((r) => r.operation).sort(), [...S3_CALLS].sort());
  t.ok(s3Requests.every((r) => r.expectedBucketOwner === ACCOUNT_ID && r.bucket === BUCKET));
  t.match(
    emulator.requests.filter((r) => r.service === 's3control'),
    [{ operation: 'GetAccountPublicAccessBlock', accountIdHeader: ACCOUNT_ID }],
  );
  const lookups = emulator.requests.filter((r) => r.operation === 'LookupEvents');
  t.equal(lookups.length, CONFIG_CHANGE_EVENT_NAMES.length, 'one query per event name');
  t.same(
    lookups.map((r) => r.body),
    CONFIG_CHANGE_EVENT_NAMES.map((name) => ({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: name }],
      StartTime: Date.parse('2031-03-03T12:00:00Z') / 1000,
      EndTime: SCENARIO_NOW.getTime() / 1000,
      MaxResults: 50,
    })),
  );
  t.match(
    emulator.requests.find((r) => r.operation === 'DescribeTrails'),
    { body: { includeShadowTrails: true } },
  );
  t.ok(emulator.requests.every((r) => r.status !== 500 && !r.operation.startsWith('Unknown')));
});

t.test('a bucket as S3 creates it since 2023, in a fresh account', async (t) => {
  const { snapshot } = await collectScenario(t, defaultsScenario());
  const s3 = s3Of(snapshot);
  t.same(s3.encryption, {
    ok: true,
    value: { rules: [{ sseAlgorithm: 'AES256', kmsMasterKeyId: null, bucketKeyEnabled: false }] },
  });
  t.same(s3.policy, { ok: true, value: null }, 'NoSuchBucketPolicy is data');
  t.same(s3.policyStatus, { ok: true, value: { isPublic: false } }, 'no policy is not public');
  t.same(s3.versioning, { ok: true, value: { status: null, mfaDelete: null } }, 'never enabled');
  t.same(s3.logging, { ok: true, value: null });
  t.same(s3.ownershipControls, { ok: true, value: { objectOwnership: 'BucketOwnerEnforced' } });
  t.same(snapshot.accountS3?.publicAccessBlock, { ok: true, value: null }, 'account block absent');
  t.same(snapshot.cloudtrail?.trails, { ok: true, value: [] });
  t.match(snapshot.cloudtrail?.events, { ok: true, value: { events: [], truncated: false } });
});

t.test('a misconfigured bucket and a weak trail', async (t) => {
  const { snapshot } = await collectScenario(t, misconfiguredScenario());
  const s3 = s3Of(snapshot);
  t.same(s3.publicAccessBlock, {
    ok: true,
    value: {
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    },
  });
  t.same(
    value(t, s3.acl).grants.map((g) => [g.grantee.type, g.grantee.uri, g.permission]),
    [
      ['CanonicalUser', null, 'FULL_CONTROL'],
      ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'READ'],
      ['Group', 'http://acs.amazonaws.com/groups/global/AllUsers', 'WRITE'],
      ['Group', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers', 'WRITE_ACP'],
    ],
  );
  t.same(value(t, s3.policy)?.statements, [
    {
      sid: 'VendorUpload',
      effect: 'Allow',
      principal: { AWS: [`arn:aws:iam::${OTHER_ACCOUNT_ID}:root`] },
      action: ['s3:PutObject', 's3:PutObjectAcl'],
      resource: [`arn:aws:s3:::${BUCKET}/*`],
      condition: {},
    },
  ]);
  t.same(s3.ownershipControls, { ok: true, value: { objectOwnership: 'ObjectWriter' } });
  t.same(s3.versioning, { ok: true, value: { status: null, mfaDelete: null } });
  t.same(s3.logging, { ok: true, value: null });
  const [trail] = value(t, snapshot.cloudtrail?.trails);
  t.match(trail, {
    name: 'default',
    isMultiRegion: false,
    logFileValidationEnabled: false,
    kmsKeyId: null,
    s3KeyPrefix: 'ct',
    includeGlobalServiceEvents: false,
    status: {
      ok: true,
      value: { isLogging: true, latestDeliveryError: 'AccessDenied' },
    },
  });
  t.same(trail?.eventSelectors, {
    ok: true,
    value: {
      kind: 'basic',
      selectors: [
        {
          readWriteType: 'WriteOnly',
          includeManagementEvents: true,
          dataResources: [],
          excludeManagementEventSources: [],
        },
      ],
    },
  });
  t.match(value(t, snapshot.cloudtrail?.events).events, [
    {
      eventName: 'PutBucketAcl',
      principalArn: `arn:aws:iam::${ACCOUNT_ID}:user/contractor`,
      principalType: 'IAMUser',
      sourceIPAddress: '198.51.100.7',
    },
  ]);
});

t.test('an organization trail seen from a member account is read by its ARN', async (t) => {
  const { snapshot, emulator } = await collectScenario(t, organizationTrailScenario());
  const trails = value(t, snapshot.cloudtrail?.trails);
  t.match(trails, [
    {
      name: 'org-trail',
      arn: ORG_TRAIL_ARN,
      ownerAccountId: MANAGEMENT_ACCOUNT_ID,
      homeRegion: 'us-east-1',
      isShadow: true,
      isOrganizationTrail: true,
      isMultiRegion: true,
      status: { ok: true, value: { isLogging: true } },
      eventSelectors: {
        ok: true,
        value: {
          kind: 'basic',
          selectors: [
            {
              readWriteType: 'All',
              includeManagementEvents: true,
              dataResources: [{ type: 'AWS::S3::Object', values: ['arn:aws:s3'] }],
              excludeManagementEventSources: ['kms.amazonaws.com'],
            },
          ],
        },
      },
    },
    {
      name: 'member-trail',
      ownerAccountId: ACCOUNT_ID,
      homeRegion: 'us-west-2',
      isShadow: true,
      status: { ok: true },
      eventSelectors: { ok: true, value: { kind: 'advanced' } },
    },
  ]);
  // The emulator, like CloudTrail, refuses a shadow trail named without its ARN.
  const named = emulator.requests
    .filter((r) => r.operation === 'GetTrailStatus' || r.operation === 'GetEventSelectors')
    .map((r) => r.body as Record<string, unknown>)
    .map((b) => b.Name ?? b.TrailName);
  t.same(named.sort(), [
    ORG_TRAIL_ARN,
    ORG_TRAIL_ARN,
    `arn:aws:cloudtrail:us-west-2:${ACCOUNT_ID}:trail/member-trail`,
    `arn:aws:cloudtrail:us-west-2:${ACCOUNT_ID}:trail/member-trail`,
  ]);
});

t.test('aws.trails keeps only the configured trails, by ARN or by name', async (t) => {
  for (const trails of [[ORG_TRAIL_ARN], ['org-trail']]) {
    const { snapshot } = await collectScenario(t, organizationTrailScenario(), {
      config: { trails },
    });
    t.same(snapshot.cloudtrail?.configuredTrails, trails);
    t.same(
      value(t, snapshot.cloudtrail?.trails).map((tr) => tr.arn),
      [ORG_TRAIL_ARN],
    );
  }
  const { snapshot } = await collectScenario(t, organizationTrailScenario(), {
    config: { trails: ['not-there'] },
  });
  t.same(
    snapshot.cloudtrail?.trails,
    { ok: true, value: [] },
    'a missing trail is for checks to report',
  );
});

t.test('a trail stopped by an unknown principal', async (t) => {
  const { snapshot } = await collectScenario(t, stoppedTrailScenario());
  const [trail] = value(t, snapshot.cloudtrail?.trails);
  t.match(trail?.status, {
    ok: true,
    value: {
      isLogging: false,
      stopLoggingTime: '2031-03-09T12:00:00.000Z',
      latestDeliveryTime: '2031-03-09T11:57:00.000Z',
    },
  });
  const events = value(t, snapshot.cloudtrail?.events).events;
  t.same(
    events.map((e) => e.eventName),
    ['StopLogging', 'PutBucketPolicy'],
    'newest first across event names',
  );
  t.match(events[0], {
    principalArn: UNKNOWN_PRINCIPAL_ARN,
    principalType: 'AssumedRole',
    sourceIPAddress: '203.0.113.50',
    eventSource: 'cloudtrail.amazonaws.com',
    resources: [{ type: 'AWS::CloudTrail::Trail', name: TRAIL_ARN }],
    requestParameters: { name: TRAIL_ARN },
  });
});

t.test('AccessDenied names the missing IAM permission; the rest is still read', async (t) => {
  const { snapshot } = await collectScenario(t, accessDeniedScenario());
  const s3 = s3Of(snapshot);
  const denied = (call: AwsCall, httpStatus: number, awsCode: string) => ({
    ok: false,
    error: {
      code: 'AccessDenied',
      call,
      missingPermission: CALL_PERMISSIONS[call].action,
      awsCode,
      httpStatus,
    },
  });
  t.match(s3.encryption, denied('GetBucketEncryption', 403, 'AccessDenied'));
  t.match(s3.encryption, { error: { missingPermission: 's3:GetEncryptionConfiguration' } });
  t.match(s3.policyStatus, denied('GetBucketPolicyStatus', 403, 'AccessDenied'));
  t.match(
    snapshot.accountS3?.publicAccessBlock,
    denied('GetAccountPublicAccessBlock', 403, 'AccessDenied'),
  );
  t.match(snapshot.accountS3?.publicAccessBlock, {
    error: { missingPermission: 's3:GetAccountPublicAccessBlock' },
  });
  const [trail] = value(t, snapshot.cloudtrail?.trails);
  t.match(trail?.eventSelectors, denied('GetEventSelectors', 400, 'AccessDeniedException'));
  t.match(trail?.status, { ok: true });
  t.match(snapshot.cloudtrail?.events, denied('LookupEvents', 400, 'AccessDeniedException'));
  t.match(s3.versioning, { ok: true });
  t.match(s3.policy, { ok: true });
});

t.test('DescribeTrails denied: no trail can be judged', async (t) => {
  const scenario = hardenedScenario();
  scenario.faults = { accessDenied: ['DescribeTrails'] };
  const { snapshot, emulator } = await collectScenario(t, scenario);
  t.match(snapshot.cloudtrail?.trails, {
    ok: false,
    error: { code: 'AccessDenied', missingPermission: 'cloudtrail:DescribeTrails' },
  });
  t.notOk(emulator.calls.includes('GetTrailStatus'));
});

t.test('throttling is retried, then the answers are used', async (t) => {
  const { snapshot, emulator } = await collectScenario(t, throttledScenario(2));
  const s3 = s3Of(snapshot);
  for (const [field, item] of Object.entries(s3)) {
    if (field !== 'bucket') t.match(item, { ok: true }, field);
  }
  t.match(snapshot.accountS3?.publicAccessBlock, { ok: true });
  t.match(value(t, snapshot.cloudtrail?.trails), [
    { status: { ok: true }, eventSelectors: { ok: true } },
  ]);
  t.match(snapshot.cloudtrail?.events, { ok: true });
  const throttled = emulator.requests.filter(
    (r) => r.errorCode === 'SlowDown' || r.errorCode === 'ThrottlingException',
  );
  t.equal(throttled.length, 2 * 16, 'the first two requests of each of the 16 calls');
  t.ok(
    emulator.requests
      .filter((r) => r.errorCode === 'SlowDown')
      .every((r) => r.status === 503 && r.service !== 'cloudtrail'),
  );
  t.ok(
    emulator.requests
      .filter((r) => r.errorCode === 'ThrottlingException')
      .every((r) => r.status === 400 && r.service === 'cloudtrail'),
  );
});

t.test('throttling past the bounded retries is an error, never a pass', async (t) => {
  const scenario = throttledScenario(5);
  scenario.faults = { throttle: { calls: ['GetBucketVersioning', 'DescribeTrails'], times: 5 } };
  const { snapshot, emulator } = await collectScenario(t, scenario, { client: { maxAttempts: 2 } });
  t.match(s3Of(snapshot).versioning, {
    ok: false,
    error: { code: 'Throttled', awsCode: 'SlowDown', httpStatus: 503, call: 'GetBucketVersioning' },
  });
  t.notOk('missingPermission' in (s3Of(snapshot).versioning as { error: object }).error);
  t.match(snapshot.cloudtrail?.trails, {
    ok: false,
    error: { code: 'Throttled', awsCode: 'ThrottlingException' },
  });
  t.equal(emulator.calls.filter((c) => c === 'GetBucketVersioning').length, 2, 'maxAttempts');
});

t.test('a bucket owned by another account is refused, not described', async (t) => {
  const { snapshot, emulator } = await collectScenario(t, hardenedScenario(), {
    config: { expectedBucketOwner: OTHER_ACCOUNT_ID },
  });
  const s3 = s3Of(snapshot);
  for (const call of S3_CALLS) {
    const item: unknown = Object.values(s3).find(
      (v: unknown) =>
        typeof v === 'object' &&
        v !== null &&
        (v as { error?: { call?: string } }).error?.call === call,
    );
    t.match(item, { ok: false, error: { code: 'AccessDenied', httpStatus: 403 } }, call);
  }
  t.ok(
    emulator.requests
      .filter((r) => r.service === 's3')
      .every((r) => r.expectedBucketOwner === OTHER_ACCOUNT_ID),
  );
});

t.test('a bucket that does not exist', async (t) => {
  const { snapshot } = await collectScenario(t, hardenedScenario(), {
    config: { bucket: 'no-such-bucket' },
  });
  t.equal(snapshot.bucket, 'no-such-bucket');
  t.match(s3Of(snapshot).encryption, {
    ok: false,
    error: { code: 'NoSuchBucket', httpStatus: 404, awsCode: 'NoSuchBucket' },
  });
});

t.test('an endpoint that lacks an API, and one that hangs', async (t) => {
  const scenario = hardenedScenario();
  scenario.faults = { notImplemented: ['GetBucketPolicyStatus'], hang: ['GetBucketAcl'] };
  const { snapshot } = await collectScenario(t, scenario, {
    client: { maxAttempts: 1, requestTimeoutMs: 300 },
  });
  t.match(s3Of(snapshot).policyStatus, {
    ok: false,
    error: { code: 'NotImplemented', httpStatus: 501 },
  });
  t.match(s3Of(snapshot).acl, { ok: false, error: { code: 'Timeout', call: 'GetBucketAcl' } });
});

t.test('nothing listening: network errors, no AWS code', async (t) => {
  const scenario = hardenedScenario();
  const emulator = await startAwsEmulator(scenario);
  const config = scenarioConfig(scenario, emulator.endpoint);
  await emulator.close();
  const clients = createAwsClients(config, { credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  t.teardown(() => destroyAwsClients(clients));
  const snapshot = await collectAws(config, { now: SCENARIO_NOW, clients, lookupSpacingMs: 0 });
  t.match(s3Of(snapshot).region, { ok: false, error: { code: 'NetworkError' } });
  t.notOk('awsCode' in (s3Of(snapshot).region as { error: object }).error);
  t.match(snapshot.cloudtrail?.trails, { ok: false, error: { code: 'NetworkError' } });
});

t.test('collectAws builds (and releases) its own clients from config', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    process.env = saved;
  });
  // The default provider chain reads these first.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  const scenario = hardenedScenario();
  const emulator = await startAwsEmulator(scenario);
  t.teardown(() => emulator.close());
  const waits: number[] = [];
  const snapshot = await collectAws(scenarioConfig(scenario, emulator.endpoint), {
    now: SCENARIO_NOW,
    // The default spacing (500 ms), waited out by a fake sleep.
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  t.equal(waits.length, CONFIG_CHANGE_EVENT_NAMES.length - 1);
  t.ok(waits.every((ms) => ms > 0 && ms <= 500));
  t.match(snapshot.s3?.encryption, { ok: true });
  t.match(snapshot.cloudtrail?.events, { ok: true });
  t.match(
    emulator.requests.find((r) => r.service === 's3'),
    { expectedBucketOwner: ACCOUNT_ID },
  );
});

t.test('awsSnapshotOf reads the snapshot the composition root stored', async (t) => {
  const { snapshot } = await collectScenario(t, defaultsScenario());
  t.equal(awsSnapshotOf({ aws: snapshot }), snapshot);
  t.equal(awsSnapshotOf({}), undefined);
});

t.test(
  'the allow lists and switches of config are echoed into the snapshot for the checks',
  async (t) => {
    const lists = {
      allowedPrincipals: ['arn:aws:iam::123456789012:role/tuf-release'],
      crossAccountWriters: ['210987654321'],
      allowPublicRead: true,
    };
    const { snapshot } = await collectScenario(t, defaultsScenario(), { config: lists });
    t.strictSame(snapshot.allowedPrincipals, lists.allowedPrincipals);
    t.strictSame(snapshot.crossAccountWriters, lists.crossAccountWriters);
    t.equal(snapshot.allowPublicRead, true);
    const { snapshot: without } = await collectScenario(t, defaultsScenario());
    t.notOk('allowedPrincipals' in without);
    t.notOk('crossAccountWriters' in without);
    t.notOk('allowPublicRead' in without);
  },
);
