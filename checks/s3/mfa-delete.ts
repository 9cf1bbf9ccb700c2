import { bucketCheck, type Verdict } from '../aws/common.js';
import type { Collected, ObjectLock } from '../aws/types.js';
import type { CheckDefinition } from '../types.js';

/**
 * MFA Delete: deleting a version or suspending versioning needs the root
 * user's MFA device (CIS AWS 2.1.2). Only the root user can turn it on, so
 * most buckets guard their versions with Object Lock instead, which auditors
 * accept as a compensating control: a default retention in COMPLIANCE mode
 * (nobody, root included, can delete a locked version, and versioning cannot
 * be suspended) passes; GOVERNANCE mode, which a principal with
 * s3:BypassGovernanceRetention can override, warns. Neither fails.
 */
export const mfaDeleteCheck: CheckDefinition = {
  id: 's3.mfa-delete',
  title: 'MFA Delete (or Object Lock) protects the update bucket versions',
  component: 's3-bucket',
  severity: 'low',
  criteria: ['A1.2', 'CC6.1'],
  remediation:
    'Only the root user can enable it, from the CLI, with its MFA device: ' +
    '`aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa "arn:aws:iam::<account-id>:mfa/root-account-mfa-device <code>"`. ' +
    'Lifecycle rules stop working on a bucket with MFA Delete; if that is not acceptable, give the bucket an Object Lock default retention in COMPLIANCE mode instead ' +
    '(`aws s3api put-object-lock-configuration --bucket <bucket> --object-lock-configuration \'{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"COMPLIANCE","Days":30}}}\'`), which this check accepts.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ versioning: s3.versioning }),
      ({ versioning }, { s3 }) => {
        const evidence = { mfaDelete: versioning.mfaDelete, versioning: versioning.status };
        if (versioning.mfaDelete === 'Enabled')
          return { status: 'pass', message: 'MFA Delete enabled', evidence };
        return objectLockInstead(s3.objectLock, evidence);
      },
    ),
};

/** Without MFA Delete: what Object Lock's default retention offers in its place. */
function objectLockInstead(
  objectLock: Collected<ObjectLock | null>,
  evidence: Record<string, unknown>,
): Verdict {
  // Object Lock unread (AccessDenied): compensation cannot be shown, so MFA Delete's absence stands.
  if (!objectLock.ok)
    return {
      status: 'fail',
      message: 'MFA Delete is not enabled, and the Object Lock configuration could not be read',
      evidence: { ...evidence, objectLock: 'unread' },
    };
  const retention = objectLock.value?.enabled === true ? objectLock.value.defaultRetention : null;
  const withLock = { ...evidence, objectLock: { defaultRetention: retention } };
  if (retention === null)
    return {
      status: 'fail',
      message: 'MFA Delete is not enabled and no Object Lock default retention guards versions',
      evidence: withLock,
    };
  const period =
    retention.years !== null
      ? `${retention.years} years`
      : retention.days !== null
        ? `${retention.days} days`
        : 'no period';
  if (retention.mode === 'COMPLIANCE')
    return {
      status: 'pass',
      message: `MFA Delete is off; Object Lock COMPLIANCE retention (${period}) guards versions instead`,
      evidence: withLock,
    };
  return {
    status: 'warn',
    message: `MFA Delete is off; Object Lock ${retention.mode} retention (${period}) guards versions, but s3:BypassGovernanceRetention can override it`,
    evidence: withLock,
  };
}
