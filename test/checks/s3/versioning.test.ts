import t from 'tap';
import { versioningCheck as check } from '../../../checks/s3/versioning.js';
import {
  accessDenied,
  collectedAws,
  defaultSince2023,
  hardened,
  misconfigured,
} from '../../support/aws/snapshots.js';

t.test('AWS not configured: not_applicable', (t) => {
  t.equal(check.evaluate(collectedAws(undefined)).status, 'not_applicable');
  t.end();
});

t.test('hardened: Enabled', (t) => {
  t.match(check.evaluate(collectedAws(hardened())), {
    status: 'pass',
    evidence: { bucket: 'fleet-tuf-repo', status: 'Enabled' },
  });
  t.end();
});

t.test('never enabled (default since 2023) or suspended (misconfigured): fail', (t) => {
  t.match(check.evaluate(collectedAws(defaultSince2023())), {
    status: 'fail',
    evidence: { status: null },
  });
  t.match(check.evaluate(collectedAws(misconfigured())), {
    status: 'fail',
    evidence: { status: 'Suspended' },
  });
  t.end();
});

t.test('AccessDenied: error', (t) => {
  t.match(check.evaluate(collectedAws(accessDenied())), {
    status: 'error',
    evidence: {
      errors: [{ call: 'GetBucketVersioning', missingPermission: 's3:GetBucketVersioning' }],
    },
  });
  t.end();
});
