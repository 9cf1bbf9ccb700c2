import t from 'tap';
import { AWS_CHECKS, CLOUDTRAIL_CHECKS, S3_CHECKS } from '../../../checks/aws/index.js';
import { collectedAws } from '../../support/aws/snapshots.js';

/** The ids of issue 5: a public contract. */
const IDS = [
  's3.block-public-access',
  's3.account-block-public-access',
  's3.not-public-write',
  's3.policy-status',
  's3.acls-disabled',
  's3.tls-only',
  's3.encryption',
  's3.versioning',
  's3.mfa-delete',
  's3.object-lock',
  's3.access-logging',
  's3.no-cross-account-write',
  'cloudtrail.logging',
  'cloudtrail.delivery',
  'cloudtrail.log-validation',
  'cloudtrail.kms',
  'cloudtrail.s3-write-data-events',
  'cloudtrail.config-changes',
];

t.test('every check of the contract, once, S3 then CloudTrail', (t) => {
  t.strictSame(AWS_CHECKS.map((c) => c.id).sort(), [...IDS].sort());
  t.strictSame(AWS_CHECKS, [...S3_CHECKS, ...CLOUDTRAIL_CHECKS]);
  t.ok(S3_CHECKS.every((c) => c.id.startsWith('s3.') && c.component === 's3-bucket'));
  t.ok(
    CLOUDTRAIL_CHECKS.every((c) => c.id.startsWith('cloudtrail.') && c.component === 'cloudtrail'),
  );
  t.end();
});

t.test(
  'each has criteria, a remediation with a command, and is not_applicable without AWS',
  (t) => {
    for (const check of AWS_CHECKS) {
      t.ok(check.criteria.length > 0, check.id);
      t.match(check.remediation, /`aws |console/, check.id);
      t.strictSame(check.evaluate(collectedAws(undefined)), {
        status: 'not_applicable',
        message: 'not configured',
        evidence: {},
      });
    }
    t.end();
  },
);
