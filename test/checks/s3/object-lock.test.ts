import t from 'tap';
import { objectLockCheck as check } from '../../../checks/s3/object-lock.js';
import {
  accessDenied,
  collectedAws,
  defaultSince2023,
  hardened,
  ok,
  withS3,
} from '../../support/aws/snapshots.js';

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('informational', (t) => {
  t.equal(check.severity, 'info');
  t.end();
});

t.test('hardened: enabled, with its default retention in evidence', (t) => {
  t.match(check.evaluate(collectedAws(hardened())), {
    status: 'pass',
    evidence: { enabled: true, defaultRetention: { mode: 'GOVERNANCE', days: 90 } },
  });
  t.match(
    check.evaluate(
      collectedAws(
        withS3(hardened(), { objectLock: ok({ enabled: true, defaultRetention: null }) }),
      ),
    ),
    { status: 'pass', evidence: { enabled: true, defaultRetention: null } },
  );
  t.end();
});

t.test('absent: passes, and says so in evidence', (t) => {
  const outcome = check.evaluate(collectedAws(defaultSince2023()));
  t.equal(outcome.status, 'pass');
  t.match(outcome.evidence, { enabled: false, defaultRetention: null, note: String });
  t.end();
});

t.test('AccessDenied: error, never a pass', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: {
      errors: [
        {
          call: 'GetObjectLockConfiguration',
          missingPermission: 's3:GetBucketObjectLockConfiguration',
        },
      ],
    },
  });
  t.end();
});
