import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';

/** Versioning Enabled: an overwritten or deleted metadata file or binary can be recovered, and shown. */
export const versioningCheck: CheckDefinition = {
  id: 's3.versioning',
  title: 'Versioning is enabled on the update bucket',
  component: 's3-bucket',
  severity: 'high',
  criteria: ['A1.2', 'CC8.1'],
  remediation:
    'Enable versioning: `aws s3api put-bucket-versioning --bucket <bucket> --expected-bucket-owner <account-id> --versioning-configuration Status=Enabled`, ' +
    'or S3 console > bucket > Properties > Bucket Versioning > Edit > Enable. ' +
    'Add a lifecycle rule that expires noncurrent versions after the retention you need (timestamp.json is rewritten often).',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ versioning: s3.versioning }),
      ({ versioning }) => {
        const evidence = { status: versioning.status };
        return versioning.status === 'Enabled'
          ? { status: 'pass', message: 'versioning enabled', evidence }
          : {
              status: 'fail',
              message:
                versioning.status === 'Suspended'
                  ? 'versioning is suspended'
                  : 'versioning was never enabled',
              evidence,
            };
      },
    ),
};
