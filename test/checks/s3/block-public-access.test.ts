import t from 'tap';
import { blockPublicAccessCheck as check } from '../../../checks/s3/block-public-access.js';
import {
  accessDenied,
  collectedAws,
  defaultSince2023,
  hardened,
  misconfigured,
  ok,
  withS3,
} from '../../support/aws/snapshots.js';

t.test('AWS not configured: not_applicable', (t) => {
  t.match(check.evaluate(collectedAws(undefined)), { status: 'not_applicable', evidence: {} });
  t.end();
});

t.test('S3 not collected: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws({ ...hardened(), s3: undefined })).status, 'not_applicable');
  t.end();
});

t.test('hardened and default since 2023: all four flags on', (t) => {
  for (const aws of [hardened(), defaultSince2023()]) {
    const outcome = check.evaluate(collectedAws(aws));
    t.equal(outcome.status, 'pass');
    t.match(outcome.evidence, {
      bucket: 'fleet-tuf-repo',
      configured: true,
      off: [],
      flags: { blockPublicAcls: true, restrictPublicBuckets: true },
    });
  }
  t.end();
});

t.test('misconfigured: no public access block at all', (t) => {
  const outcome = check.evaluate(collectedAws(misconfigured()));
  t.equal(outcome.status, 'fail');
  t.strictSame(outcome.evidence, {
    bucket: 'fleet-tuf-repo',
    configured: false,
    flags: null,
    off: ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'],
  });
  t.end();
});

t.test('one flag off: fail naming it', (t) => {
  const aws = withS3(hardened(), {
    publicAccessBlock: ok({
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
      restrictPublicBuckets: true,
    }),
  });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'fail');
  t.strictSame(outcome.evidence.off, ['BlockPublicPolicy']);
  t.end();
});

t.test('AccessDenied: error with the call and the permission to grant', (t) => {
  const outcome = check.evaluate(collectedAws(accessDenied()));
  t.equal(outcome.status, 'error');
  t.strictSame(outcome.evidence, {
    bucket: 'fleet-tuf-repo',
    errors: [
      {
        call: 'GetPublicAccessBlock',
        code: 'AccessDenied',
        missingPermission: 's3:GetBucketPublicAccessBlock',
        awsCode: 'AccessDenied',
        httpStatus: 403,
        message: 'GetPublicAccessBlock: AccessDenied',
      },
    ],
  });
  t.end();
});
