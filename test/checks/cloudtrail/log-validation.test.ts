import t from 'tap';
import { logValidationCheck as check } from '../../../checks/cloudtrail/log-validation.js';
import {
  ACCOUNT,
  accessDenied,
  collectedAws,
  defaultSince2023,
  hardened,
  misconfigured,
  orgTrailFromMember,
  REGION,
  trail,
  withTrails,
} from '../../support/aws/snapshots.js';

const AUDIT = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened and the organization trail: validation on', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, {
    trails: { [AUDIT]: { status: 'pass', logFileValidationEnabled: true } },
  });
  t.equal(check.evaluate(collectedAws(orgTrailFromMember())).status, 'pass');
  t.end();
});

t.test('misconfigured, or one trail of two without validation: fail', (t) => {
  t.match(check.evaluate(collectedAws(misconfigured())), {
    status: 'fail',
    evidence: { trails: { [AUDIT]: { logFileValidationEnabled: false } } },
  });
  const two = withTrails(hardened(), [
    trail(),
    trail({ name: 'dev', logFileValidationEnabled: false }),
  ]);
  t.equal(check.evaluate(collectedAws(two)).status, 'fail');
  t.end();
});

t.test('no trail: fail', (t) => {
  t.equal(check.evaluate(collectedAws(defaultSince2023())).status, 'fail');
  t.end();
});

t.test('DescribeTrails refused: error', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: {
      errors: [{ call: 'DescribeTrails', missingPermission: 'cloudtrail:DescribeTrails' }],
    },
  });
  t.end();
});
