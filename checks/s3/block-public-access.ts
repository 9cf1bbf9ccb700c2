import { bucketCheck } from '../aws/common.js';
import type { CheckDefinition } from '../types.js';
import { ALL_FLAGS_ON, blockVerdict } from './common.js';

/** S3 Block Public Access on the bucket: a public ACL or policy cannot be added, nor take effect. */
export const blockPublicAccessCheck: CheckDefinition = {
  id: 's3.block-public-access',
  title: 'The update bucket blocks public access',
  component: 's3-bucket',
  severity: 'high',
  criteria: ['CC6.1', 'CC6.6'],
  remediation:
    'Turn on all four flags (CloudFront with origin access control keeps serving the repository): ' +
    `\`aws s3api put-public-access-block --bucket <bucket> --expected-bucket-owner <account-id> --public-access-block-configuration ${ALL_FLAGS_ON}\`, ` +
    'or S3 console > bucket > Permissions > Block public access > Edit > Block all public access. ' +
    'If it fails with a public policy error, first remove the public statement the `s3.policy-status` check names.',
  evaluate: (data) =>
    bucketCheck(
      data,
      (s3) => ({ block: s3.publicAccessBlock }),
      ({ block }, { bucket }) => blockVerdict(block, `bucket ${bucket}`),
    ),
};
