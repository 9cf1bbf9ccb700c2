import t from 'tap';
import { aclsDisabledCheck as check } from '../../../checks/s3/acls-disabled.js';
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
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('BucketOwnerEnforced: pass', (t) => {
  for (const aws of [hardened(), defaultSince2023()]) {
    const outcome = check.evaluate(collectedAws(aws));
    t.equal(outcome.status, 'pass');
    t.strictSame(outcome.evidence, {
      bucket: 'fleet-tuf-repo',
      objectOwnership: 'BucketOwnerEnforced',
    });
  }
  t.end();
});

t.test('ObjectWriter, BucketOwnerPreferred, or no ownership controls: fail', (t) => {
  t.match(check.evaluate(collectedAws(misconfigured())), {
    status: 'fail',
    evidence: { objectOwnership: 'ObjectWriter' },
  });
  t.match(
    check.evaluate(
      collectedAws(
        withS3(hardened(), { ownershipControls: ok({ objectOwnership: 'BucketOwnerPreferred' }) }),
      ),
    ),
    { status: 'fail', evidence: { objectOwnership: 'BucketOwnerPreferred' } },
  );
  t.match(check.evaluate(collectedAws(withS3(hardened(), { ownershipControls: ok(null) }))), {
    status: 'fail',
    evidence: { objectOwnership: null },
  });
  t.end();
});

t.test('AccessDenied: error', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: {
      errors: [
        { call: 'GetBucketOwnershipControls', missingPermission: 's3:GetBucketOwnershipControls' },
      ],
    },
  });
  t.end();
});
