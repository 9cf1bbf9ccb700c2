import t from 'tap';
import { mfaDeleteCheck as check } from '../../../checks/s3/mfa-delete.js';
import {
  accessDenied,
  collectedAws,
  defaultSince2023,
  failed,
  hardened,
  misconfigured,
  ok,
  withS3,
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
    message: 'MFA Delete is not enabled and no Object Lock default retention guards versions',
    evidence: { mfaDelete: null, versioning: null, objectLock: { defaultRetention: null } },
  });
  t.end();
});

t.test('Object Lock in place of MFA Delete', (t) => {
  const mfaOff = (objectLock: Parameters<typeof withS3>[1]['objectLock']) =>
    check.evaluate(
      collectedAws(
        withS3(hardened(), {
          versioning: ok({ status: 'Enabled', mfaDelete: 'Disabled' }),
          ...(objectLock !== undefined && { objectLock }),
        }),
      ),
    );
  const compliance = mfaOff(
    ok({ enabled: true, defaultRetention: { mode: 'COMPLIANCE', days: null, years: 1 } }),
  );
  t.equal(compliance.status, 'pass', 'COMPLIANCE: nobody can delete a locked version');
  t.equal(
    compliance.message,
    'MFA Delete is off; Object Lock COMPLIANCE retention (1 years) guards versions instead',
  );
  t.match(compliance.evidence, {
    mfaDelete: 'Disabled',
    objectLock: { defaultRetention: { mode: 'COMPLIANCE', years: 1 } },
  });

  // The hardened scenario's lock: GOVERNANCE, 90 days.
  const governance = mfaOff(undefined);
  t.equal(governance.status, 'warn', 'GOVERNANCE can be bypassed');
  t.match(governance.message, /GOVERNANCE retention \(90 days\).*s3:BypassGovernanceRetention/);

  const noPeriod = mfaOff(
    ok({ enabled: true, defaultRetention: { mode: 'COMPLIANCE', days: null, years: null } }),
  );
  t.match(noPeriod.message, /COMPLIANCE retention \(no period\)/);

  const noDefault = mfaOff(ok({ enabled: true, defaultRetention: null }));
  t.equal(noDefault.status, 'fail', 'Object Lock without a default retention locks nothing new');

  const unread = mfaOff(failed('GetObjectLockConfiguration'));
  t.equal(unread.status, 'fail', 'compensation that cannot be read is not shown');
  t.match(unread.message, /could not be read/);
  t.match(unread.evidence, { objectLock: 'unread' });
  t.end();
});

t.test('MFA Delete enabled: Object Lock is not needed, even unread', (t) => {
  const aws = withS3(hardened(), { objectLock: failed('GetObjectLockConfiguration') });
  t.equal(check.evaluate(collectedAws(aws)).status, 'pass');
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
