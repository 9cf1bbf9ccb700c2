import t from 'tap';
import { mfaDeleteCheck as check } from '../../../checks/s3/mfa-delete.js';
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

t.test('low severity', (t) => {
  t.equal(check.severity, 'low');
  t.end();
});

t.test('hardened: MFA Delete enabled', (t) => {
  t.match(check.evaluate(collectedAws(hardened())), {
    status: 'pass',
    evidence: { mfaDelete: 'Enabled', versioning: 'Enabled' },
  });
  t.end();
});

t.test('Disabled, or never reported: fail', (t) => {
  t.match(check.evaluate(collectedAws(misconfigured())), {
    status: 'fail',
    evidence: { mfaDelete: 'Disabled' },
  });
  t.match(check.evaluate(collectedAws(defaultSince2023())), {
    status: 'fail',
    evidence: { mfaDelete: null, versioning: null },
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
