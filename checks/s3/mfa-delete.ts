import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';

/** MFA Delete: deleting a version or suspending versioning needs the root user's MFA device (CIS AWS 2.1.2). */
export const mfaDeleteCheck: CheckDefinition = {
  id: 's3.mfa-delete',
  title: 'MFA Delete protects the update bucket versions',
  component: 's3-bucket',
  severity: 'low',
  criteria: ['A1.2', 'CC6.1'],
  remediation:
    'Only the root user can enable it, from the CLI, with its MFA device: ' +
    '`aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa "arn:aws:iam::<account-id>:mfa/root-account-mfa-device <code>"`. ' +
    'Lifecycle rules stop working on a bucket with MFA Delete; if that is not acceptable, rely on Object Lock instead and record the exception.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ versioning: s3.versioning }),
      ({ versioning }) => {
        const evidence = { mfaDelete: versioning.mfaDelete, versioning: versioning.status };
        return versioning.mfaDelete === 'Enabled'
          ? { status: 'pass', message: 'MFA Delete enabled', evidence }
          : { status: 'fail', message: 'MFA Delete is not enabled', evidence };
      },
    ),
};
