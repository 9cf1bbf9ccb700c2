import t from 'tap';
import {
  configChangesCheck as check,
  isAllowedCaller,
  MAX_EVIDENCE_EVENTS,
} from '../../../checks/cloudtrail/config-changes.js';
import {
  ACCOUNT,
  accessDenied,
  BUCKET,
  collectedAws,
  event,
  failed,
  hardened,
  misconfigured,
  OTHER_ACCOUNT,
  RELEASE_ROLE,
  stoppedTrail,
  trail,
  withCloudTrail,
  withEvents,
  withLists,
  withS3,
  withTrails,
  ok,
} from '../../support/aws/snapshots.js';

const allowRelease = (aws = hardened()) => withLists(aws, { allowedPrincipals: [RELEASE_ROLE] });
const MALLORY = `arn:aws:iam::${OTHER_ACCOUNT}:user/mallory`;
const byMallory = (overrides: Parameters<typeof event>[0] = {}) =>
  event({
    principalArn: MALLORY,
    principalAccountId: OTHER_ACCOUNT,
    username: 'mallory',
    ...overrides,
  });
type Events = Record<string, unknown>[];

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.equal(
    check.evaluate(collectedAws({ ...hardened(), cloudtrail: undefined })).status,
    'not_applicable',
  );
  t.end();
});

t.test('hardened: the release role changed the policy, and it is allowed', (t) => {
  const outcome = check.evaluate(collectedAws(allowRelease()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, {
    lookbackDays: 7,
    truncated: false,
    trailsKnown: true,
    allowedPrincipals: [RELEASE_ROLE],
    changeCount: 0,
    attemptCount: 0,
    changes: [],
    allowedChanges: [{ eventName: 'PutBucketPolicy', subject: `bucket ${BUCKET}` }],
  });
  t.end();
});

t.test('no allow list configured: every change needs a look', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, { allowedPrincipals: [], changeCount: 1 });
  t.end();
});

t.test('a stopped trail: StopLogging by a CI role, with the event as evidence', (t) => {
  const outcome = check.evaluate(collectedAws(allowRelease(stoppedTrail())));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    changes: [
      {
        eventId: 'stop',
        eventName: 'StopLogging',
        subject: /^trail arn:aws:cloudtrail:/,
        principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deployer/build-4711`,
        errorCode: null,
      },
    ],
  });
  t.end();
});

t.test('misconfigured: an outsider changed the ACL', (t) => {
  const outcome = check.evaluate(collectedAws(allowRelease(misconfigured())));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, {
    changes: [
      { eventId: 'outsider-acl', eventName: 'PutBucketAcl', principalAccountId: OTHER_ACCOUNT },
    ],
  });
  t.end();
});

t.test('a refused attempt by an outsider: warn', (t) => {
  const aws = withEvents(allowRelease(), [byMallory({ errorCode: 'AccessDenied' })]);
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'warn');
  t.match(outcome.evidence, {
    changeCount: 0,
    attemptCount: 1,
    attempts: [{ errorCode: 'AccessDenied' }],
  });
  t.end();
});

t.test('a truncated history: error, unless a change is proven', (t) => {
  const clean = withEvents(allowRelease(), [event()], { truncated: true });
  const outcome = check.evaluate(collectedAws(clean));
  t.equal(outcome.status, 'error');
  t.match(outcome.evidence, { truncated: true });
  const proven = withEvents(allowRelease(), [byMallory()], { truncated: true });
  t.equal(check.evaluate(collectedAws(proven)).status, 'fail');
  t.end();
});

t.test('LookupEvents refused: error naming cloudtrail:LookupEvents', (t) => {
  const outcome = check.evaluate(collectedAws(accessDenied()));
  t.equal(outcome.status, 'error');
  t.match(outcome.evidence, {
    errors: [
      { call: 'LookupEvents', code: 'AccessDenied', missingPermission: 'cloudtrail:LookupEvents' },
    ],
  });
  t.end();
});

t.test('what concerns the update service', (t) => {
  const cases: {
    name: string;
    event: ReturnType<typeof event>;
    counted: boolean;
    subject?: string;
  }[] = [
    {
      name: 'another bucket',
      event: byMallory({
        resources: [{ type: 'AWS::S3::Bucket', name: 'other' }],
        requestParameters: { bucketName: 'other' },
      }),
      counted: false,
    },
    {
      name: 'the bucket named only in resources',
      event: byMallory({ requestParameters: null }),
      counted: true,
      subject: `bucket ${BUCKET}`,
    },
    {
      name: 'the bucket named only in the request',
      event: byMallory({ resources: [] }),
      counted: true,
    },
    {
      name: "the account's public access block",
      event: byMallory({
        eventName: 'DeleteAccountPublicAccessBlock',
        resources: [],
        requestParameters: null,
      }),
      counted: true,
      subject: 'account',
    },
    {
      name: 'a trail in scope, by name',
      event: byMallory({
        eventName: 'PutEventSelectors',
        resources: [],
        requestParameters: { name: 'audit' },
      }),
      counted: true,
      subject: 'trail audit',
    },
    {
      name: 'a deleted trail (no longer listed), by resource',
      event: byMallory({
        eventName: 'DeleteTrail',
        requestParameters: {},
        resources: [
          {
            type: 'AWS::CloudTrail::Trail',
            name: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/old',
          },
        ],
      }),
      counted: true,
    },
    {
      name: 'a trail change that names no trail',
      event: byMallory({ eventName: 'UpdateTrail', resources: [], requestParameters: null }),
      counted: true,
      subject: 'trail unknown trail',
    },
    {
      name: 'a listed trail out of scope (single-region, elsewhere)',
      event: byMallory({
        eventName: 'StopLogging',
        resources: [],
        requestParameters: { name: 'eu-dev' },
      }),
      counted: false,
    },
  ];
  const base = withTrails(allowRelease(), [
    trail(),
    trail({ name: 'eu-dev', homeRegion: 'eu-west-1', isMultiRegion: false }),
  ]);
  for (const c of cases)
    t.test(c.name, (t) => {
      const outcome = check.evaluate(collectedAws(withEvents(base, [c.event])));
      t.equal(outcome.status, c.counted ? 'fail' : 'pass');
      if (c.subject !== undefined)
        t.match((outcome.evidence.changes as Events)[0], { subject: c.subject });
      t.end();
    });
  t.end();
});

t.test('configured trails are all in scope; unknown trails count all trail changes', (t) => {
  const stop = byMallory({
    eventName: 'StopLogging',
    resources: [],
    requestParameters: { name: 'eu-dev' },
  });
  const configured = withCloudTrail(
    withEvents(
      withTrails(allowRelease(), [
        trail({ name: 'eu-dev', homeRegion: 'eu-west-1', isMultiRegion: false }),
      ]),
      [stop],
    ),
    { configuredTrails: ['eu-dev'] },
  );
  t.equal(check.evaluate(collectedAws(configured)).status, 'fail');
  const unknown = withCloudTrail(withEvents(allowRelease(), [stop]), {
    trails: failed('DescribeTrails'),
  });
  const outcome = check.evaluate(collectedAws(unknown));
  t.equal(outcome.status, 'fail');
  t.match(outcome.evidence, { trailsKnown: false });
  t.end();
});

t.test('the bucket region decides which trails are in scope', (t) => {
  // A single-region trail at home in eu-west-1 is in scope for a bucket there.
  const stop = byMallory({
    eventName: 'StopLogging',
    resources: [],
    requestParameters: { name: 'eu' },
  });
  const eu = trail({ name: 'eu', homeRegion: 'eu-west-1', isMultiRegion: false });
  const inEu = withS3(withEvents(withTrails(allowRelease(), [eu]), [stop]), {
    region: ok('eu-west-1'),
  });
  t.equal(check.evaluate(collectedAws(inEu)).status, 'fail');
  const located = withS3(withEvents(withTrails(allowRelease(), [eu]), [stop]), {
    region: failed('GetBucketLocation'),
  });
  t.equal(check.evaluate(collectedAws(located)).status, 'pass', 'config says us-east-1');
  const noS3 = { ...withEvents(withTrails(allowRelease(), [eu]), [stop]), s3: undefined };
  t.equal(check.evaluate(collectedAws(noS3)).status, 'pass');
  t.end();
});

t.test('evidence is capped; the message names the first few', (t) => {
  const many = Array.from({ length: MAX_EVIDENCE_EVENTS + 5 }, (_, i) =>
    byMallory({ eventId: `e${i}` }),
  );
  const outcome = check.evaluate(collectedAws(withEvents(allowRelease(), many)));
  t.equal(outcome.status, 'fail');
  t.equal(outcome.evidence.changeCount, MAX_EVIDENCE_EVENTS + 5);
  t.equal((outcome.evidence.changes as Events).length, MAX_EVIDENCE_EVENTS);
  const anonymous = withEvents(allowRelease(), [byMallory({ principalArn: null, username: null })]);
  t.equal(check.evaluate(collectedAws(anonymous)).status, 'fail');
  const byName = withEvents(allowRelease(), [byMallory({ principalArn: null })]);
  t.equal(check.evaluate(collectedAws(byName)).status, 'fail');
  t.end();
});

t.test('isAllowedCaller', (t) => {
  const session = event();
  const cases: {
    name: string;
    allowed: string[];
    event: ReturnType<typeof event>;
    expected: boolean;
  }[] = [
    {
      name: 'a role ARN allows its sessions',
      allowed: [RELEASE_ROLE],
      event: session,
      expected: true,
    },
    {
      name: 'a role ARN with a path',
      allowed: [`arn:aws:iam::${ACCOUNT}:role/release/tuf-release`],
      event: session,
      expected: true,
    },
    {
      name: 'a role of another account does not',
      allowed: [`arn:aws:iam::${OTHER_ACCOUNT}:role/tuf-release`],
      event: session,
      expected: false,
    },
    {
      name: 'a role with a name that only starts the same does not',
      allowed: [`arn:aws:iam::${ACCOUNT}:role/tuf`],
      event: session,
      expected: false,
    },
    {
      name: 'an exact session ARN',
      allowed: [`arn:aws:sts::${ACCOUNT}:assumed-role/tuf-release/tuf-release-session`],
      event: session,
      expected: true,
    },
    {
      name: 'a wildcard',
      allowed: [`arn:aws:sts::${ACCOUNT}:assumed-role/tuf-*`],
      event: session,
      expected: true,
    },
    {
      name: 'a user name',
      allowed: ['terraform'],
      event: event({ principalArn: null, username: 'terraform' }),
      expected: true,
    },
    {
      name: 'the invoking service',
      allowed: ['cloudformation.amazonaws.com'],
      event: event({ invokedBy: 'cloudformation.amazonaws.com' }),
      expected: true,
    },
    {
      name: 'a role entry and a caller without an ARN',
      allowed: [RELEASE_ROLE],
      event: event({ principalArn: null }),
      expected: false,
    },
    { name: 'nothing allowed', allowed: [], event: session, expected: false },
  ];
  for (const c of cases) t.equal(isAllowedCaller(c.event, c.allowed), c.expected, c.name);
  t.end();
});
