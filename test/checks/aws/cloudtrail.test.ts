import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import t from 'tap';
import {
  collectCloudTrail,
  type CloudTrailOptions,
  DEFAULT_LOOKUP_LIMITS,
  toEvent,
} from '../../../checks/aws/cloudtrail.js';
import { CONFIG_CHANGE_EVENT_NAMES } from '../../../checks/aws/types.js';
import type { AwsScenario } from '../../support/aws/emulator.js';
import { collectScenario, serveScenario } from '../../support/aws/harness.js';
import {
  ACCOUNT_ID,
  changeEvent,
  DEPLOY_ROLE_ARN,
  hardenedScenario,
  manyPolicyChanges,
  REGION,
  SCENARIO_NOW,
} from '../../support/aws/scenarios.js';

const options = (over: Partial<CloudTrailOptions> = {}): CloudTrailOptions => ({
  ...DEFAULT_LOOKUP_LIMITS,
  spacingMs: 0,
  region: REGION,
  accountId: ACCOUNT_ID,
  now: SCENARIO_NOW,
  sleep: () => Promise.resolve(),
  clock: () => performance.now(),
  ...over,
});

const LOOKUPS = CONFIG_CHANGE_EVENT_NAMES.length;

t.test('LookupEvents follows NextToken across pages, within the window', async (t) => {
  const scenario = hardenedScenario();
  scenario.events = [
    ...manyPolicyChanges(120),
    // Outside the 7-day window: the query's StartTime leaves it out.
    changeEvent('PutBucketPolicy', '2031-02-01T00:00:00.000Z', DEPLOY_ROLE_ARN),
  ];
  const { snapshot, emulator } = await collectScenario(t, scenario);
  const events = snapshot.cloudtrail?.events;
  t.match(events, { ok: true, value: { truncated: false } });
  const list = events?.ok === true ? events.value.events : [];
  t.equal(list.length, 120);
  t.ok(
    list.every((e, i) => i === 0 || (list[i - 1]?.eventTime ?? '') >= e.eventTime),
    'newest first',
  );
  const policyLookups = emulator.requests.filter(
    (r) =>
      r.operation === 'LookupEvents' &&
      JSON.stringify(r.body).includes('"AttributeValue":"PutBucketPolicy"'),
  );
  t.equal(policyLookups.length, 3, '50 + 50 + 20');
  t.notOk((policyLookups[0]?.body as { NextToken?: string }).NextToken);
  t.ok((policyLookups[1]?.body as { NextToken?: string }).NextToken);
  t.ok((policyLookups[2]?.body as { NextToken?: string }).NextToken);
});

t.test('the page cap stops pagination and says so', async (t) => {
  const scenario = hardenedScenario();
  scenario.events = manyPolicyChanges(120);
  const { snapshot, emulator } = await collectScenario(t, scenario, {
    collect: { maxLookupPagesPerEventName: 2 },
  });
  t.match(snapshot.cloudtrail?.events, { ok: true, value: { truncated: true } });
  const events = snapshot.cloudtrail?.events;
  t.equal(events?.ok === true ? events.value.events.length : -1, 100);
  t.equal(emulator.calls.filter((c) => c === 'LookupEvents').length, LOOKUPS + 1);
});

t.test('lookbackDays sets the window', async (t) => {
  const scenario = hardenedScenario();
  scenario.events = manyPolicyChanges(30);
  const { snapshot } = await collectScenario(t, scenario, { collect: { lookbackDays: 1 } });
  t.match(snapshot.cloudtrail?.events, {
    ok: true,
    value: { from: '2031-03-09T12:00:00.000Z', lookbackDays: 1 },
  });
  const events = snapshot.cloudtrail?.events;
  t.equal(events?.ok === true ? events.value.events.length : -1, 24);
});

t.test('calls are paced: each waits out the spacing since the previous answer', async (t) => {
  const { clients } = await serveScenario(t, hardenedScenario());
  const waits: number[] = [];
  let now = 0;
  const out = await collectCloudTrail(
    clients.cloudtrail,
    options({
      spacingMs: 500,
      // A fake clock: 50 ms pass between two readings, the fake sleep advances it.
      clock: () => (now += 50),
      sleep: (ms) => {
        waits.push(ms);
        now += ms;
        return Promise.resolve();
      },
    }),
  );
  t.match(out.events, { ok: true });
  t.equal(waits.length, LOOKUPS - 1, 'no wait before the first call');
  t.ok(
    waits.every((w) => w === 450),
    'the spacing minus the time elapsed since the previous answer',
  );
});

t.test('real pacing keeps arrivals under the emulated rate limit', async (t) => {
  // The emulator answers ThrottlingException to calls closer than 30 ms (AWS: 500 ms).
  const scenario: AwsScenario = {
    ...hardenedScenario(),
    faults: { lookupEventsMinIntervalMs: 30 },
  };
  const { snapshot, emulator } = await collectScenario(t, scenario, {
    collect: { lookupSpacingMs: 30 },
  });
  t.match(snapshot.cloudtrail?.events, { ok: true });
  const lookups = emulator.requests.filter((r) => r.operation === 'LookupEvents');
  t.equal(lookups.length, LOOKUPS, 'no retry was needed');
  t.notOk(
    lookups.some((r) => r.errorCode !== undefined),
    'never throttled',
  );
  t.ok(
    lookups.every((r, i) => i === 0 || r.at - (lookups[i - 1]?.at ?? 0) >= 30),
    'arrivals at least the spacing apart',
  );
});
t.test('unpaced calls are throttled by the service; past the retries, an error', async (t) => {
  const scenario: AwsScenario = {
    ...hardenedScenario(),
    faults: { lookupEventsMinIntervalMs: 60_000 },
  };
  const { snapshot } = await collectScenario(t, scenario, { client: { maxAttempts: 1 } });
  t.match(snapshot.cloudtrail?.events, {
    ok: false,
    error: { code: 'Throttled', awsCode: 'ThrottlingException', call: 'LookupEvents' },
  });
});

t.test('sparse trails: defaults, shadows by region, unreadable trails', async (t) => {
  const scenario: AwsScenario = {
    ...hardenedScenario(),
    events: [],
    trails: [
      // Only a name: not addressable by ARN, CloudTrail answers TrailNotFoundException.
      { trail: { Name: 'bare' }, status: {} },
      { trail: {}, status: {} },
      {
        trail: {
          Name: 'quiet',
          TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/quiet`,
          HomeRegion: REGION,
          CloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:ct',
        },
        status: { LatestDeliveryError: '', LatestDigestDeliveryError: 'KMS.DisabledException' },
        eventSelectors: [{}],
      },
      {
        trail: {
          Name: 'advanced',
          TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/advanced`,
        },
        status: { IsLogging: true },
        advancedEventSelectors: [
          {
            FieldSelectors: [
              { Equals: [] },
              {
                Field: 'resources.ARN',
                EndsWith: ['.json'],
                NotEquals: ['arn:aws:s3:::b/x'],
                NotStartsWith: ['arn:aws:s3:::b/tmp/'],
                NotEndsWith: ['.tmp'],
              },
            ],
          },
        ],
      },
      {
        trail: {
          Name: 'nothing',
          TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/nothing`,
          HomeRegion: REGION,
        },
        status: {},
        eventSelectors: [],
        advancedEventSelectors: [],
      },
    ],
  };
  const { snapshot } = await collectScenario(t, scenario);
  const trails = snapshot.cloudtrail?.trails;
  const list = trails?.ok === true ? trails.value : [];
  t.match(list[0], {
    name: 'bare',
    arn: 'bare',
    ownerAccountId: '',
    homeRegion: REGION,
    isShadow: true,
    isMultiRegion: false,
    isOrganizationTrail: false,
    logFileValidationEnabled: false,
    kmsKeyId: null,
    s3BucketName: null,
    includeGlobalServiceEvents: false,
    status: { ok: false, error: { code: 'TrailNotFound', awsCode: 'TrailNotFoundException' } },
    eventSelectors: { ok: false, error: { code: 'TrailNotFound' } },
  });
  t.match(list[1], { name: '', arn: '', ownerAccountId: '' });
  t.match(list[2], {
    isShadow: false,
    cloudWatchLogsLogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:ct',
  });
  t.same(list[2]?.status, {
    ok: true,
    value: {
      isLogging: false,
      latestDeliveryTime: null,
      latestDeliveryError: null,
      latestDigestDeliveryTime: null,
      latestDigestDeliveryError: 'KMS.DisabledException',
      startLoggingTime: null,
      stopLoggingTime: null,
    },
  });
  t.same(list[2]?.eventSelectors, {
    ok: true,
    value: {
      kind: 'basic',
      selectors: [
        {
          readWriteType: 'All',
          includeManagementEvents: true,
          dataResources: [],
          excludeManagementEventSources: [],
        },
      ],
    },
  });
  t.same(list[3]?.eventSelectors, {
    ok: true,
    value: {
      kind: 'advanced',
      selectors: [
        {
          name: null,
          fieldSelectors: [
            { field: '' },
            {
              field: 'resources.ARN',
              endsWith: ['.json'],
              notEquals: ['arn:aws:s3:::b/x'],
              notStartsWith: ['arn:aws:s3:::b/tmp/'],
              notEndsWith: ['.tmp'],
            },
          ],
        },
      ],
    },
  });
  t.same(list[4]?.eventSelectors, { ok: true, value: { kind: 'none' } });
  // A basic selector's data resource without Type or Values.
  const basic = hardenedScenario();
  basic.trails = [
    {
      trail: { Name: 'x', TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT_ID}:trail/x` },
      status: {},
      eventSelectors: [{ IncludeManagementEvents: false, DataResources: [{}] }],
    },
  ];
  const { snapshot: b } = await collectScenario(t, basic);
  t.match(b.cloudtrail?.trails, {
    ok: true,
    value: [
      {
        eventSelectors: {
          ok: true,
          value: {
            kind: 'basic',
            selectors: [
              { includeManagementEvents: false, dataResources: [{ type: '', values: [] }] },
            ],
          },
        },
      },
    ],
  });
});

t.test('toEvent: what the record does not say stays unknown', (t) => {
  t.same(toEvent({}, 'StopLogging'), {
    eventId: '',
    eventName: 'StopLogging',
    eventTime: '',
    eventSource: null,
    username: null,
    principalArn: null,
    principalType: null,
    principalAccountId: null,
    invokedBy: null,
    sourceIPAddress: null,
    userAgent: null,
    errorCode: null,
    resources: [],
    requestParameters: null,
  });
  for (const CloudTrailEvent of ['not json', '[1]', '{"userIdentity":"root"}']) {
    t.match(toEvent({ CloudTrailEvent }, 'DeleteTrail'), {
      principalArn: null,
      principalType: null,
      requestParameters: null,
    });
  }
  t.match(
    toEvent(
      {
        Resources: [{}],
        CloudTrailEvent: JSON.stringify({
          eventID: 'abc',
          eventTime: '2031-03-01T00:00:00Z',
          eventSource: 'cloudtrail.amazonaws.com',
          userIdentity: {
            type: 'AWSService',
            invokedBy: 'cloudformation.amazonaws.com',
            arn: '',
          },
          errorCode: 'AccessDenied',
        }),
      },
      'UpdateTrail',
    ),
    {
      eventId: 'abc',
      eventTime: '2031-03-01T00:00:00Z',
      eventSource: 'cloudtrail.amazonaws.com',
      principalType: 'AWSService',
      principalArn: null,
      invokedBy: 'cloudformation.amazonaws.com',
      errorCode: 'AccessDenied',
      resources: [{ type: null, name: null }],
    },
  );
  t.end();
});

t.test('events of different names at the same time keep a stable order', async (t) => {
  const scenario = hardenedScenario();
  const at = '2031-03-09T00:00:00.000Z';
  scenario.events = [
    changeEvent('PutBucketAcl', at, DEPLOY_ROLE_ARN),
    changeEvent('PutBucketPolicy', at, DEPLOY_ROLE_ARN),
    changeEvent('PutBucketVersioning', '2031-03-08T00:00:00.000Z', DEPLOY_ROLE_ARN),
  ];
  const { snapshot } = await collectScenario(t, scenario);
  const events = snapshot.cloudtrail?.events;
  t.same(
    events?.ok === true ? events.value.events.map((e) => e.eventName) : [],
    ['PutBucketPolicy', 'PutBucketAcl', 'PutBucketVersioning'],
    'by time, then in query order',
  );
});

t.test('answers with nothing in them (a bare SDK output)', async (t) => {
  const empty = { send: () => Promise.resolve({}) } as unknown as CloudTrailClient;
  const out = await collectCloudTrail(empty, options());
  t.same(out.trails, { ok: true, value: [] });
  t.match(out.events, { ok: true, value: { events: [], truncated: false } });
  // One trail, whose advanced selector has no field selectors at all.
  const oneTrail = {
    send: (command: { constructor: { name: string } }) =>
      Promise.resolve(
        command.constructor.name === 'DescribeTrailsCommand'
          ? {
              trailList: [
                { Name: 'x', TrailARN: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/x' },
              ],
            }
          : command.constructor.name === 'GetEventSelectorsCommand'
            ? { AdvancedEventSelectors: [{ Name: 'empty' }] }
            : {},
      ),
  } as unknown as CloudTrailClient;
  const one = await collectCloudTrail(
    oneTrail,
    options({ trails: ['arn:aws:cloudtrail:us-east-1:123456789012:trail/x'] }),
  );
  t.match(one.trails, {
    ok: true,
    value: [
      {
        eventSelectors: {
          ok: true,
          value: { kind: 'advanced', selectors: [{ name: 'empty', fieldSelectors: [] }] },
        },
        status: { ok: true, value: { isLogging: false } },
      },
    ],
  });
});

t.test('a configured trail name matches a trail that has no ARN', async (t) => {
  const bare = {
    send: (command: { constructor: { name: string } }) =>
      Promise.resolve(
        command.constructor.name === 'DescribeTrailsCommand'
          ? { trailList: [{ Name: 'bare' }, { Name: 'other' }] }
          : {},
      ),
  } as unknown as CloudTrailClient;
  const out = await collectCloudTrail(bare, options({ trails: ['bare', 'arn:aws:cloudtrail:x'] }));
  t.match(out.trails, { ok: true, value: [{ name: 'bare', arn: 'bare' }] });
  t.equal(out.trails.ok === true ? out.trails.value.length : -1, 1);
});
