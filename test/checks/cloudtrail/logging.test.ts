import t from 'tap';
import { loggingCheck as check } from '../../../checks/cloudtrail/logging.js';
import {
  ACCOUNT,
  accessDenied,
  collectedAws,
  defaultSince2023,
  failed,
  hardened,
  MANAGEMENT_ACCOUNT,
  misconfigured,
  ok,
  orgTrailFromMember,
  REGION,
  stoppedTrail,
  trail,
  trailStatus,
  withCloudTrail,
  withS3,
  withTrail,
  withTrails,
} from '../../support/aws/snapshots.js';

const AUDIT = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;
const ORG = `arn:aws:cloudtrail:us-west-2:${MANAGEMENT_ACCOUNT}:trail/org-audit`;
type Trails = Record<string, Record<string, unknown>>;
const trailsOf = (evidence: Record<string, unknown>): Trails => evidence.trails as Trails;

t.test('AWS not configured, or CloudTrail not collected: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.equal(
    check.evaluate(collectedAws({ ...hardened(), cloudtrail: undefined })).status,
    'not_applicable',
  );
  t.end();
});

t.test('hardened: a multi-region trail logging management events read and write', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, {
    bucketRegion: REGION,
    bucketRegionFrom: 'GetBucketLocation',
    configuredTrails: null,
    trails: {
      [AUDIT]: {
        status: 'pass',
        isMultiRegion: true,
        coversBucketRegion: true,
        isLogging: true,
        managementEvents: { read: true, write: true, matched: ['AdvancedEventSelectors[0]'] },
      },
    },
  });
  t.end();
});

t.test('an organization trail seen from a member account, by its full ARN', (t) => {
  const outcome = check.evaluate(collectedAws(orgTrailFromMember()));
  t.equal(outcome.status, 'pass');
  t.match(trailsOf(outcome.evidence)[ORG], {
    status: 'pass',
    ownerAccountId: MANAGEMENT_ACCOUNT,
    homeRegion: 'us-west-2',
    isShadow: true,
    isOrganizationTrail: true,
  });
  t.end();
});

t.test('a single-region organization trail covers its home region', (t) => {
  const aws = withTrail(hardened(), { isMultiRegion: false, isOrganizationTrail: true });
  t.equal(check.evaluate(collectedAws(aws)).status, 'pass');
  t.end();
});

t.test('a stopped trail: fail, with when it stopped', (t) => {
  const outcome = check.evaluate(collectedAws(stoppedTrail()));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    status: 'fail',
    isLogging: false,
    stopLoggingTime: '2029-12-31T00:00:00.000Z',
  });
  const unknownStop = withTrail(hardened(), {
    status: ok(trailStatus({ isLogging: false, stopLoggingTime: null })),
  });
  t.equal(check.evaluate(collectedAws(unknownStop)).status, 'fail');
  t.end();
});

t.test('no trail (default since 2023): fail', (t) => {
  const outcome = check.evaluate(collectedAws(defaultSince2023()));
  t.equal(outcome.status, 'fail');
  t.strictSame(trailsOf(outcome.evidence), {});
  t.end();
});

t.test('misconfigured: a single-region trail that is not an organization trail', (t) => {
  const outcome = check.evaluate(collectedAws(misconfigured()));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], { status: 'fail', problems: [/multi-region/] });
  t.end();
});

t.test('management events not fully recorded: write only, or none', (t) => {
  const writeOnly = withTrail(hardened(), {
    eventSelectors: ok({
      kind: 'basic',
      selectors: [
        {
          readWriteType: 'WriteOnly',
          includeManagementEvents: true,
          dataResources: [],
          excludeManagementEventSources: [],
        },
      ],
    }),
  });
  const outcome = check.evaluate(collectedAws(writeOnly));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    managementEvents: { read: false, write: true },
    problems: [/read/],
  });
  const none = withTrail(hardened(), { eventSelectors: ok({ kind: 'none' }) });
  t.match(trailsOf(check.evaluate(collectedAws(none)).evidence)[AUDIT], {
    problems: [/read and write/],
  });
  t.end();
});

t.test('trails of other regions are out of scope unless configured', (t) => {
  const elsewhere = trail({ name: 'eu', homeRegion: 'eu-west-1', isMultiRegion: false });
  const outcome = check.evaluate(collectedAws(withTrails(hardened(), [elsewhere])));
  t.equal(outcome.status, 'fail');
  t.strictSame(trailsOf(outcome.evidence), {});
  const configured = withCloudTrail(withTrails(hardened(), [elsewhere]), {
    configuredTrails: ['eu'],
  });
  const named = check.evaluate(collectedAws(configured));
  t.equal(named.status, 'fail');
  t.match(trailsOf(named.evidence)[elsewhere.arn], {
    coversBucketRegion: false,
    problems: [/does not cover us-east-1/, /multi-region/],
  });
  t.end();
});

t.test('a configured trail that does not exist fails; another that passes is enough', (t) => {
  const aws = withCloudTrail(hardened(), { configuredTrails: ['audit', 'gone'] });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'pass');
  t.match(trailsOf(outcome.evidence).gone, { status: 'fail', problems: [/did not return/] });
  const onlyGone = withCloudTrail(hardened(), { configuredTrails: ['gone'], trails: ok([]) });
  t.equal(check.evaluate(collectedAws(onlyGone)).status, 'fail');
  t.end();
});

t.test('the bucket region: from GetBucketLocation, else from config', (t) => {
  const eu = withS3(hardened(), { region: ok('eu-west-1') });
  const outcome = check.evaluate(collectedAws(eu));
  t.equal(outcome.status, 'pass', 'the multi-region trail covers eu-west-1');
  t.match(outcome.evidence, { bucketRegion: 'eu-west-1', bucketRegionFrom: 'GetBucketLocation' });
  const unknown = withS3(hardened(), { region: failed('GetBucketLocation') });
  t.match(check.evaluate(collectedAws(unknown)).evidence, {
    bucketRegion: REGION,
    bucketRegionFrom: 'config',
  });
  const noS3 = check.evaluate(collectedAws({ ...hardened(), s3: undefined }));
  t.match(noS3.evidence, { bucketRegionFrom: 'config' });
  t.end();
});

t.test('DescribeTrails refused: error naming cloudtrail:DescribeTrails', (t) => {
  const outcome = check.evaluate(collectedAws(accessDenied()));
  t.equal(outcome.status, 'error');
  t.match(outcome.evidence, {
    region: REGION,
    errors: [
      {
        call: 'DescribeTrails',
        code: 'AccessDenied',
        missingPermission: 'cloudtrail:DescribeTrails',
      },
    ],
  });
  t.end();
});

t.test(
  'status or selectors unreadable: error, unless another trail passes or a failure is proven',
  (t) => {
    const denied = withTrail(hardened(), { status: failed('GetTrailStatus') });
    const outcome = check.evaluate(collectedAws(denied));
    t.equal(outcome.status, 'error');
    t.match(trailsOf(outcome.evidence)[AUDIT], {
      status: 'error',
      errors: [{ call: 'GetTrailStatus', missingPermission: 'cloudtrail:GetTrailStatus' }],
    });
    const other = trail({ name: 'second' });
    const withSecond = withTrails(hardened(), [
      { ...trail(), eventSelectors: failed('GetEventSelectors') },
      other,
    ]);
    t.equal(check.evaluate(collectedAws(withSecond)).status, 'pass');
    const stoppedAndDenied = withTrail(stoppedTrail(), {
      eventSelectors: failed('GetEventSelectors'),
    });
    const proven = check.evaluate(collectedAws(stoppedAndDenied));
    t.equal(proven.status, 'fail');
    t.match(trailsOf(proven.evidence)[AUDIT], {
      status: 'fail',
      errors: [{ call: 'GetEventSelectors' }],
    });
    t.end();
  },
);
