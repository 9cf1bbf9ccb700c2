import t from 'tap';
import { tlsOnlyCheck as check } from '../../../checks/s3/tls-only.js';
import {
  accessDenied,
  BUCKET_ARN,
  collectedAws,
  defaultSince2023,
  DENY_INSECURE_TRANSPORT,
  hardened,
  misconfigured,
  OAC_READ,
  OBJECTS_ARN,
  ok,
  policyOf,
  withS3,
} from '../../support/aws/snapshots.js';

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened: the Deny on aws:SecureTransport false covers every write', (t) => {
  const outcome = check.evaluate(collectedAws(hardened()));
  t.equal(outcome.status, 'pass');
  t.strictSame(outcome.evidence, {
    bucket: 'fleet-tuf-repo',
    hasPolicy: true,
    objectWrites: true,
    bucketWrites: true,
    statements: [{ statement: 1, sid: 'DenyInsecureTransport' }],
    notDenied: [],
  });
  t.end();
});

t.test('objects only: object writes are what counts', (t) => {
  const aws = withS3(hardened(), {
    policy: ok(policyOf(OAC_READ, { ...DENY_INSECURE_TRANSPORT, Resource: OBJECTS_ARN })),
  });
  const outcome = check.evaluate(collectedAws(aws));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, { objectWrites: true, bucketWrites: false });
  t.end();
});

t.test(
  'no policy (default since 2023), no TLS statement (misconfigured), bucket-only: fail',
  (t) => {
    t.match(check.evaluate(collectedAws(defaultSince2023())), {
      status: 'fail',
      evidence: { hasPolicy: false },
    });
    t.match(check.evaluate(collectedAws(misconfigured())), {
      status: 'fail',
      evidence: { hasPolicy: true, objectWrites: false, statements: [] },
    });
    const bucketOnly = check.evaluate(
      collectedAws(
        withS3(hardened(), {
          policy: ok(policyOf({ ...DENY_INSECURE_TRANSPORT, Resource: BUCKET_ARN })),
        }),
      ),
    );
    t.equal(bucketOnly.status, 'fail');
    t.match(bucketOnly.evidence, { objectWrites: false, bucketWrites: true });
    t.end();
  },
);

t.test('AccessDenied: error', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: { errors: [{ call: 'GetBucketPolicy', missingPermission: 's3:GetBucketPolicy' }] },
  });
  t.end();
});
