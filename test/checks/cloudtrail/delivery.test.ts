import t from 'tap';
import { deliveryCheck as check } from '../../../checks/cloudtrail/delivery.js';
import {
  ACCOUNT,
  accessDenied,
  at,
  collectedAws,
  defaultSince2023,
  failed,
  hardened,
  HOUR_MS,
  misconfigured,
  NOW,
  ok,
  orgTrailFromMember,
  REGION,
  stoppedTrail,
  trail,
  trailStatus,
  withTrail,
  withTrails,
} from '../../support/aws/snapshots.js';

const AUDIT = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;
type Trails = Record<string, Record<string, unknown>>;
const trailsOf = (evidence: Record<string, unknown>): Trails => evidence.trails as Trails;
const withStatus = (overrides: Parameters<typeof trailStatus>[0]) =>
  withTrail(hardened(), { status: ok(trailStatus(overrides)) });

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened and the organization trail: delivered an hour ago', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    status: 'pass',
    isLogging: true,
    latestDeliveryTime: at(-HOUR_MS),
    latestDeliveryError: null,
    ageSeconds: 3600,
  });
  t.equal(check.evaluate(collectedAws(orgTrailFromMember())).status, 'pass');
  t.end();
});

t.test('misconfigured: a delivery error, and the last delivery three days ago', (t) => {
  const outcome = check.evaluate(collectedAws(misconfigured()));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], {
    latestDeliveryError: 'AccessDenied',
    ageSeconds: 3 * 24 * 3600,
    problems: [/AccessDenied/, /more than a day/],
  });
  t.end();
});

t.test('exactly a day old passes; a second more fails', (t) => {
  t.equal(
    check.evaluate(collectedAws(withStatus({ latestDeliveryTime: at(-24 * HOUR_MS) }))).status,
    'pass',
  );
  t.equal(
    check.evaluate(collectedAws(withStatus({ latestDeliveryTime: at(-24 * HOUR_MS - 1000) })))
      .status,
    'fail',
  );
  t.end();
});

t.test('never delivered: fail', (t) => {
  const outcome = check.evaluate(collectedAws(withStatus({ latestDeliveryTime: null })));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], { ageSeconds: null, problems: [/no delivery/] });
  t.end();
});

t.test('a digest delivery error fails when validation is on, and only then', (t) => {
  const digest = withStatus({ latestDigestDeliveryError: 'AccessDenied' });
  t.equal(check.evaluate(collectedAws(digest)).status, 'fail');
  const noValidation = withTrail(digest, { logFileValidationEnabled: false });
  t.equal(check.evaluate(collectedAws(noValidation)).status, 'pass');
  t.end();
});

t.test('a stopped trail is not looked at: with no other, nothing is delivered', (t) => {
  const outcome = check.evaluate(collectedAws(stoppedTrail()));
  t.equal(outcome.status, 'fail');
  t.match(trailsOf(outcome.evidence)[AUDIT], { status: 'not_applicable', isLogging: false });
  const withLogging = withTrails(stoppedTrail(), [
    trail({ name: 'second' }),
    trail({ status: ok(trailStatus({ isLogging: false })) }),
  ]);
  t.equal(check.evaluate(collectedAws(withLogging)).status, 'pass');
  t.end();
});

t.test('no trail at all: fail', (t) => {
  t.equal(check.evaluate(collectedAws(defaultSince2023())).status, 'fail');
  t.end();
});

t.test('every logging trail must deliver', (t) => {
  const aws = withTrails(hardened(), [
    trail(),
    trail({ name: 'second', status: ok(trailStatus({ latestDeliveryError: 'NoSuchBucket' })) }),
  ]);
  t.equal(check.evaluate(collectedAws(aws)).status, 'fail');
  t.end();
});

t.test('GetTrailStatus refused, DescribeTrails refused: error', (t) => {
  const status = check.evaluate(
    collectedAws(withTrail(hardened(), { status: failed('GetTrailStatus') })),
  );
  t.equal(status.status, 'error');
  t.match(trailsOf(status.evidence)[AUDIT], {
    status: 'error',
    errors: [{ call: 'GetTrailStatus', missingPermission: 'cloudtrail:GetTrailStatus' }],
  });
  t.equal(check.evaluate(collectedAws(accessDenied())).status, 'error');
  t.end();
});

t.test('the reference time is the run time', (t) => {
  const later = new Date(NOW.getTime() + 2 * 24 * HOUR_MS);
  t.equal(check.evaluate(collectedAws(hardened(), later)).status, 'fail');
  t.end();
});
