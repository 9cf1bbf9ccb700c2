import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';

/** Object Ownership `BucketOwnerEnforced`: ACLs are disabled, the policy alone grants access. */
export const aclsDisabledCheck: CheckDefinition = {
  id: 's3.acls-disabled',
  title: 'ACLs are disabled on the update bucket',
  component: 's3-bucket',
  severity: 'medium',
  criteria: ['CC6.1'],
  remediation:
    'Disable ACLs so that only the bucket policy grants access: ' +
    '`aws s3api put-bucket-ownership-controls --bucket <bucket> --expected-bucket-owner <account-id> --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}]`, ' +
    'or S3 console > bucket > Permissions > Object Ownership > Edit > ACLs disabled. ' +
    'If it is refused, first move access granted by the bucket ACL into the bucket policy.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ ownership: s3.ownershipControls }),
      ({ ownership }) => {
        const objectOwnership = ownership?.objectOwnership ?? null;
        const evidence = { objectOwnership };
        return objectOwnership === 'BucketOwnerEnforced'
          ? { status: 'pass', message: 'ACLs disabled (BucketOwnerEnforced)', evidence }
          : {
              status: 'fail',
              message: `ACLs are enabled (object ownership ${objectOwnership ?? 'not configured: ObjectWriter'})`,
              evidence,
            };
      },
    ),
};
