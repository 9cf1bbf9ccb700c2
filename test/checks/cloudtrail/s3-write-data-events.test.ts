import t from 'tap';
import { s3WriteDataEventsCheck as check } from '../../../checks/cloudtrail/s3-write-data-events.js';
import {
  ACCOUNT,
  accessDenied,
  BUCKET_ARN,
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
  withCloudTrail,
  withS3,
  withTrail,
  withTrails,
} from '../../support/aws/snapshots.js';

const AUDIT = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;
type Trails = Record<string, Record<string, unknown>>;
const trailsOf = (evidence: Record<string, unknown>): Trails => evidence.trails as Trails;

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened: the write data event selector on the bucket', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    status: 'pass',
    isLogging: true,
    dataEvents: { covered: 'all', matched: ['AdvancedEventSelectors[1]'] },
  });
  t.end();
});

t.test('the organization trail records the member account bucket', (t) => {
  const outcome = check.evaluate(collectedAws(orgTrailFromMember()));
  t.equal(outcome.status, 'pass');
  t.match(
    trailsOf(outcome.evidence)[
      `arn:aws:cloudtrail:us-west-2:${MANAGEMENT_ACCOUNT}:trail/org-audit`
    ],
    { status: 'pass', isShadow: true },
  );
  t.end();
});

t.test('misconfigured: one prefix only is partial', (t) => {
  const outcome = check.evaluate(collectedAws(misconfigured()));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    dataEvents: {
      covered: 'partial',
      selectors: [
        { covered: 'partial', limits: [`DataResources AWS::S3::Object ${BUCKET_ARN}/stable/`] },
      ],
    },
    problems: [/only part/],
  });
  t.end();
});

t.test('no data events (management only), no trail: fail', (t) => {
  const managementOnly = withTrail(hardened(), {
    eventSelectors: ok({
      kind: 'advanced',
      selectors: [
        { name: null, fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
      ],
    }),
  });
  const outcome = check.evaluate(collectedAws(managementOnly));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    dataEvents: { covered: 'none' },
    problems: [/no write/],
  });
  t.equal(check.evaluate(collectedAws(defaultSince2023())).status, 'fail');
  t.end();
});

t.test('a stopped trail records nothing', (t) => {
  const outcome = check.evaluate(collectedAws(stoppedTrail()));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], { isLogging: false, problems: ['not logging'] });
  t.end();
});

t.test('a trail that does not cover the bucket region, when configured', (t) => {
  const aws = withCloudTrail(
    withS3(withTrail(hardened(), { isMultiRegion: false }), { region: ok('eu-west-1') }),
    { configuredTrails: ['audit'] },
  );
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], { problems: [/does not cover eu-west-1/] });
  t.end();
});

t.test('a data-events trail next to a management trail', (t) => {
  const management = trail({
    name: 'management',
    eventSelectors: ok({
      kind: 'advanced',
      selectors: [
        { name: null, fieldSelectors: [{ field: 'eventCategory', equals: ['Management'] }] },
      ],
    }),
  });
  const aws = withTrails(hardened(), [management, trail({ name: 'data' })]);
  t.equal(check.evaluate(collectedAws(aws)).status, 'pass');
  t.end();
});

t.test('selectors or status unreadable: error', (t) => {
  const selectors = check.evaluate(
    collectedAws(withTrail(hardened(), { eventSelectors: failed('GetEventSelectors') })),
  );
  t.equal(selectors.status, 'error');
  t.match(trailsOf(selectors.evidence)[AUDIT], {
    errors: [{ call: 'GetEventSelectors', missingPermission: 'cloudtrail:GetEventSelectors' }],
  });
  const status = check.evaluate(
    collectedAws(withTrail(hardened(), { status: failed('GetTrailStatus', 'Throttled') })),
  );
  t.equal(status.status, 'error');
  t.equal(check.evaluate(collectedAws(accessDenied())).status, 'error');
  t.end();
});
