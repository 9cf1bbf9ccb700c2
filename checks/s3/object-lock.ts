import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';

/**
 * Object Lock, informational: it makes versions undeletable for a retention
 * period, a strong guarantee for the evidence of what was published. Its
 * absence is not a failure of the hardening the update service needs
 * (versioning and MFA Delete are checked on their own) and a warning here
 * would hold the bucket control below `pass` forever for most buckets: the
 * check passes and says in evidence whether Object Lock is on.
 */
export const objectLockCheck: CheckDefinition = {
  id: 's3.object-lock',
  title: 'Object Lock on the update bucket (informational)',
  component: 's3-bucket',
  severity: 'info',
  criteria: ['A1.2'],
  remediation:
    'Optional. To keep every published version for a retention period: ' +
    '`aws s3api put-object-lock-configuration --bucket <bucket> --object-lock-configuration \'{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"GOVERNANCE","Days":90}}}\'` ' +
    '(versioning must be enabled; budget for the storage of every timestamp.json version).',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ objectLock: s3.objectLock }),
      ({ objectLock }) => {
        const enabled = objectLock?.enabled === true;
        const evidence = {
          enabled,
          defaultRetention: objectLock?.defaultRetention ?? null,
          note: enabled
            ? 'object versions are retained by Object Lock'
            : 'informational: Object Lock is off; versions are protected only by versioning and MFA Delete',
        };
        return {
          status: 'pass',
          message: enabled ? 'Object Lock enabled' : 'Object Lock is off (informational)',
          evidence,
        };
      },
    ),
};
