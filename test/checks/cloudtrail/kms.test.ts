import t from 'tap';
import { kmsCheck as check } from '../../../checks/cloudtrail/kms.js';
import {
  ACCOUNT,
  accessDenied,
  collectedAws,
  defaultSince2023,
  hardened,
  misconfigured,
  orgTrailFromMember,
  REGION,
} from '../../support/aws/snapshots.js';

const AUDIT = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened and the organization trail: a KMS key', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, { trails: { [AUDIT]: { status: 'pass', kmsKeyId: /^arn:aws:kms:/ } } });
  t.equal(check.evaluate(collectedAws(orgTrailFromMember())).status, 'pass');
  t.end();
});

t.test('misconfigured: SSE-S3 only', (t) => {
  t.match(check.evaluate(collectedAws(misconfigured())), {
    status: 'fail',
    evidence: { trails: { [AUDIT]: { status: 'fail', kmsKeyId: null } } },
  });
  t.end();
});

t.test('no trail: fail', (t) => {
  t.equal(check.evaluate(collectedAws(defaultSince2023())).status, 'fail');
  t.end();
});

t.test('DescribeTrails refused: error', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: { errors: [{ call: 'DescribeTrails', code: 'AccessDenied' }] },
  });
  t.end();
});
